// Draws the app and tray icons into assets/ (PNG, plus .icns for macOS and .ico for Windows).
// Shapes are signed distance fields rendered with one pixel of anti-aliasing, encoded by a
// tiny PNG writer: no image tools needed, and the output is the same on every machine.
// Run: node scripts/generate-icons.mjs (the generated files are committed).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

const OUT = new URL('../assets/', import.meta.url).pathname;

// ---- PNG ----------------------------------------------------------------------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
/** 8-bit RGBA, non-interlaced; filter type 0 on every row (the icons are small). */
function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- shapes (unit square, y down) ----------------------------------------------------------
const roundedRect = (cx, cy, half, r) => (x, y) => {
  const qx = Math.abs(x - cx) - half + r;
  const qy = Math.abs(y - cy) - half + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
};
const circle = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) - r;
const capsule = (ax, ay, bx, by, r) => (x, y) => {
  const px = x - ax,
    py = y - ay,
    dx = bx - ax,
    dy = by - ay;
  const h = Math.max(0, Math.min(1, (px * dx + py * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - dx * h, py - dy * h) - r;
};
const union =
  (...fs) =>
  (x, y) =>
    Math.min(...fs.map((f) => f(x, y)));
const ring = (cx, cy, r, w) => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) - w / 2;

const hex = (h) => [
  parseInt(h.slice(1, 3), 16),
  parseInt(h.slice(3, 5), 16),
  parseInt(h.slice(5, 7), 16),
];
const mix = (a, b, t) => a.map((v, i) => v + (b[i] - v) * t);

/**
 * Layers are { sdf, color(x, y) -> [r,g,b], alpha }; composited front to back with "over".
 * Coverage = distance to the edge in pixels, clamped: one pixel of anti-aliasing.
 */
function render(size, layers) {
  const out = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const x = (px + 0.5) / size;
      const y = (py + 0.5) / size;
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (const layer of layers) {
        // feather (unit coords) softens an edge beyond one pixel, for shadows
        const d = layer.feather ? layer.sdf(x, y) / layer.feather : layer.sdf(x, y) * size;
        const cov = Math.max(0, Math.min(1, 0.5 - d)) * (layer.alpha ?? 1);
        if (cov <= 0) continue;
        const [cr, cg, cb] = layer.color(x, y);
        // premultiplied "over"
        r = cr * cov + r * (1 - cov);
        g = cg * cov + g * (1 - cov);
        b = cb * cov + b * (1 - cov);
        a = cov + a * (1 - cov);
      }
      const i = (py * size + px) * 4;
      out[i] = a > 0 ? Math.round(r / a) : 0;
      out[i + 1] = a > 0 ? Math.round(g / a) : 0;
      out[i + 2] = a > 0 ? Math.round(b / a) : 0;
      out[i + 3] = Math.round(a * 255);
    }
  }
  return out;
}

// ---- the glyph: one endpoint (hub) routing to several model servers (nodes) ------------------
function hubGlyph({ hub, nodes, hubR, nodeR, line }) {
  return union(
    circle(hub[0], hub[1], hubR),
    ...nodes.map(([x, y]) => circle(x, y, nodeR)),
    ...nodes.map(([x, y]) => capsule(hub[0], hub[1], x, y, line / 2)),
  );
}

const APP_GLYPH = {
  hub: [0.37, 0.5],
  nodes: [
    [0.67, 0.3],
    [0.71, 0.5],
    [0.67, 0.7],
  ],
  hubR: 0.095,
  nodeR: 0.058,
  line: 0.038,
};

function appIcon(size) {
  // macOS icon grid: the body is ~80% of the canvas with a continuous-looking corner.
  const body = roundedRect(0.5, 0.5, 0.41, 0.185);
  const top = hex('#14b8a6');
  const bottom = hex('#4338ca');
  const white = [255, 255, 255];
  return render(size, [
    // soft shadow under the body
    {
      sdf: roundedRect(0.5, 0.512, 0.405, 0.185),
      feather: 0.03,
      color: () => [15, 23, 42],
      alpha: 0.35,
    },
    {
      sdf: body,
      color: (x, y) => mix(top, bottom, Math.max(0, Math.min(1, (x * 0.35 + y) / 1.35))),
    },
    // the inner ring of the hub reads as "the endpoint"
    { sdf: hubGlyph(APP_GLYPH), color: () => white, alpha: 0.96 },
    {
      sdf: ring(APP_GLYPH.hub[0], APP_GLYPH.hub[1], 0.048, 0.022),
      color: (x, y) => mix(top, bottom, (x * 0.35 + y) / 1.35),
    },
  ]);
}

const TRAY_GLYPH = {
  hub: [0.3, 0.5],
  nodes: [
    [0.76, 0.2],
    [0.82, 0.5],
    [0.76, 0.8],
  ],
  hubR: 0.19,
  nodeR: 0.125,
  line: 0.1,
};

function trayIcon(size, color, alpha) {
  return render(size, [{ sdf: hubGlyph(TRAY_GLYPH), color: () => color, alpha }]);
}

// ---- containers ---------------------------------------------------------------------------
function icns(entries) {
  const parts = entries.map(([type, png]) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(8 + parts.reduce((n, p) => n + p.length, 0), 4);
  return Buffer.concat([head, ...parts]);
}

/** ICO with PNG payloads (supported since Windows Vista). */
function ico(images) {
  const dir = Buffer.alloc(6 + images.length * 16);
  dir.writeUInt16LE(0, 0);
  dir.writeUInt16LE(1, 2);
  dir.writeUInt16LE(images.length, 4);
  let offset = dir.length;
  images.forEach(([size, png], i) => {
    const e = 6 + i * 16;
    dir[e] = size >= 256 ? 0 : size;
    dir[e + 1] = size >= 256 ? 0 : size;
    dir.writeUInt16LE(1, e + 4);
    dir.writeUInt16LE(32, e + 6);
    dir.writeUInt32LE(png.length, e + 8);
    dir.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([dir, ...images.map(([, png]) => png)]);
}

// ---- output -------------------------------------------------------------------------------
mkdirSync(join(OUT, 'icons'), { recursive: true });
const app = new Map();
for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024])
  app.set(size, encodePng(size, appIcon(size)));

writeFileSync(join(OUT, 'icon.png'), app.get(512));
for (const size of [16, 32, 48, 64, 128, 256, 512])
  writeFileSync(join(OUT, 'icons', `${size}x${size}.png`), app.get(size));
writeFileSync(
  join(OUT, 'icon.icns'),
  icns([
    ['icp4', app.get(16)],
    ['icp5', app.get(32)],
    ['ic11', app.get(32)],
    ['icp6', app.get(64)],
    ['ic12', app.get(64)],
    ['ic07', app.get(128)],
    ['ic08', app.get(256)],
    ['ic13', app.get(256)],
    ['ic09', app.get(512)],
    ['ic14', app.get(512)],
    ['ic10', app.get(1024)],
  ]),
);
writeFileSync(
  join(OUT, 'icon.ico'),
  ico([16, 24, 32, 48, 64, 128, 256].map((s) => [s, app.get(s)])),
);

// macOS menu bar: black + alpha "Template" images, tinted by the system; idle is dimmed.
const black = [0, 0, 0];
for (const [name, alpha] of [
  ['trayTemplate', 0.5],
  ['trayRunningTemplate', 1],
]) {
  writeFileSync(join(OUT, `${name}.png`), encodePng(16, trayIcon(16, black, alpha)));
  writeFileSync(join(OUT, `${name}@2x.png`), encodePng(32, trayIcon(32, black, alpha)));
}
// Linux panels may be dark or light: a mid grey when idle, green while instances run.
writeFileSync(join(OUT, 'tray-idle.png'), encodePng(32, trayIcon(32, hex('#9ca3af'), 1)));
writeFileSync(join(OUT, 'tray-running.png'), encodePng(32, trayIcon(32, hex('#22c55e'), 1)));

console.log(`icons written to ${OUT}`);
