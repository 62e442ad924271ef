// Bundles the main-process code with esbuild: the headless CLI, the Electron entry and the
// preload. Packages stay external (node_modules is shipped), so native modules load as usual.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const define = {
  __APP_VERSION__: JSON.stringify(pkg.version),
  __APP_COMMIT__: JSON.stringify(process.env.LLAMACTL_COMMIT ?? 'unknown'),
  __APP_BUILD_TIME__: JSON.stringify(new Date().toISOString()),
};
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  define,
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: Object.fromEntries(
    [
      ['main/cli', 'main/cli.ts'],
      ['electron/index', 'main/electron/index.ts'],
      // imported by electron/index at run time (a bootstrap that survives this file failing)
      ['electron/desktop', 'main/electron/desktop-main.ts'],
    ].filter(([, file]) => existsSync(file)),
  ),
  outdir: 'dist',
  format: 'esm',
  packages: 'external',
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
});
// Sandboxed preloads must be CommonJS and cannot require anything but electron.
if (existsSync('preload/index.ts'))
  await build({
    ...common,
    entryPoints: { 'preload/index': 'preload/index.ts' },
    outdir: 'dist',
    format: 'cjs',
    external: ['electron'],
  });
console.log('built main-process bundles into dist/');
