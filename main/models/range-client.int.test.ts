import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RangeClient, releaseChunk, type RangeController, type RangeHandler } from './range-client';

const TLS_DIR = join(import.meta.dirname, 'fixtures', 'tls');

interface Result {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  error?: Error;
}

/** One GET through the client, collecting what the handler hears. */
function get(
  client: RangeClient,
  url: string,
  hooks: {
    headers?: Record<string, string>;
    onData?: (ctl: RangeController, received: number) => void;
  } = {},
): Promise<Result> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let status = 0;
    let headers: Result['headers'] = {};
    const handler: RangeHandler = {
      onRequestStart() {},
      onResponseStart(_c, s, h) {
        status = s;
        headers = h;
      },
      onResponseData(ctl, chunk) {
        // the chunk's memory is recycled once released: keep a copy
        parts.push(Buffer.from(chunk));
        releaseChunk(chunk);
        hooks.onData?.(
          ctl,
          parts.reduce((n, p) => n + p.length, 0),
        );
      },
      onResponseEnd() {
        resolve({ status, headers, body: Buffer.concat(parts) });
      },
      onResponseError(_c, error) {
        resolve({ status, headers, body: Buffer.concat(parts), error });
      },
    };
    client.dispatch({ origin: u.origin, path: u.pathname, headers: hooks.headers ?? {} }, handler);
  });
}

const servers: { close(): void }[] = [];
const clients: RangeClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) s.close();
});

function newClient(...args: ConstructorParameters<typeof RangeClient>): RangeClient {
  const c = new RangeClient(...args);
  clients.push(c);
  return c;
}

/** An HTTP server that counts the connections it accepted. */
async function httpServer(
  handler: http.RequestListener,
): Promise<{ url: string; connections: () => number; server: http.Server }> {
  const server = http.createServer(handler);
  let n = 0;
  server.on('connection', () => n++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push({
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => n,
    server,
  };
}

/** A TCP server answering each request with whatever `respond` writes on the socket. */
async function rawServer(
  respond: (socket: net.Socket, request: string, index: number) => void,
): Promise<{ url: string; connections: () => number }> {
  let requests = 0;
  let n = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    n++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      let at: number;
      while ((at = buf.indexOf('\r\n\r\n')) >= 0) {
        const request = buf.slice(0, at);
        buf = buf.slice(at + 4);
        respond(socket, request, requests++);
      }
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push({
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => n,
  };
}

const body = Buffer.alloc(3 << 20);
for (let i = 0; i < body.length; i++) body[i] = (i * 7 + (i >> 11)) & 0xff;

function rangeOf(range: string | undefined): [number, number] {
  const m = /bytes=(\d+)-(\d*)/.exec(range ?? '');
  if (!m) return [0, body.length];
  return [Number(m[1]), m[2] ? Number(m[2]) + 1 : body.length];
}

describe('RangeClient', () => {
  it('answers ranged GETs with Content-Length bodies and reuses one kept-alive connection for sequential requests', async () => {
    const seen: string[] = [];
    const srv = await httpServer((req, res) => {
      seen.push(`${req.headers.host} ${req.headers.range} ${req.headers['user-agent']}`);
      const [a, b] = rangeOf(req.headers.range);
      res.writeHead(206, {
        'Content-Range': `bytes ${a}-${b - 1}/${body.length}`,
        'Content-Length': b - a,
      });
      res.end(body.subarray(a, b));
    });
    const client = newClient();
    const headers = { Range: 'bytes=100-1100099', 'User-Agent': 'test/1' };
    const first = await get(client, `${srv.url}/f`, { headers });
    const second = await get(client, `${srv.url}/f`, {
      headers: { ...headers, Range: 'bytes=2000000-' },
    });
    expect(first.error).toBeUndefined();
    expect(first.status).toBe(206);
    expect(first.headers['content-range']).toBe(`bytes 100-1100099/${body.length}`);
    expect(first.body.equals(body.subarray(100, 1100100))).toBe(true);
    expect(second.body.equals(body.subarray(2000000))).toBe(true);
    expect(srv.connections()).toBe(1);
    expect(seen[0]).toBe(`${new URL(srv.url).host} bytes=100-1100099 test/1`);
  });

  it('decodes a chunked body and its trailers', async () => {
    const srv = await httpServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', Trailer: 'X-Sum' });
      for (let at = 0; at < body.length; at += 300_001) res.write(body.subarray(at, at + 300_001));
      res.addTrailers({ 'X-Sum': 'ok' });
      res.end();
    });
    const client = newClient();
    const r = await get(client, `${srv.url}/chunked`);
    expect(r.error).toBeUndefined();
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.body.equals(body)).toBe(true);
    // the connection is reusable after the last chunk and its trailers
    await get(client, `${srv.url}/chunked`);
    expect(srv.connections()).toBe(1);
  });

  it('reads a body without a length until the server closes, and does not reuse that connection', async () => {
    const srv = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\n');
      setTimeout(() => {
        socket.write('\r\nhello ');
        socket.end('world');
      }, 10);
    });
    const client = newClient();
    const a = await get(client, `${srv.url}/x`);
    const b = await get(client, `${srv.url}/x`);
    expect(a.error).toBeUndefined();
    expect(a.body.toString()).toBe('hello world');
    expect(b.body.toString()).toBe('hello world');
    expect(srv.connections()).toBe(2);
  });

  it('fails with a clear error when the server closes before the Content-Length is reached', async () => {
    const srv = await rawServer((socket) => {
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly 20 bytes here..');
    });
    const r = await get(newClient(), `${srv.url}/short`);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('only 20 bytes here..');
    expect(r.error?.message).toBe('the server closed the connection');
  });

  it('sends the request again on a new connection when a kept-alive one turns out closed, without telling the caller', async () => {
    const srv = await rawServer((socket, _req, index) => {
      // the first answer keeps the connection; the second request on it finds it closed
      if (index === 1) return socket.destroy();
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const client = newClient();
    expect((await get(client, `${srv.url}/a`)).body.toString()).toBe('ok');
    const again = await get(client, `${srv.url}/a`);
    expect(again.error).toBeUndefined();
    expect(again.body.toString()).toBe('ok');
    expect(srv.connections()).toBe(2);
  });

  it('does not resend a request on a fresh connection that fails: the caller hears the error', async () => {
    const srv = await rawServer((socket) => socket.destroy());
    const r = await get(newClient(), `${srv.url}/a`);
    expect(r.error).toBeDefined();
    expect(srv.connections()).toBe(1);
  });

  it('stops reading while paused and delivers the whole body once resumed', async () => {
    // far more than the loopback socket buffers hold, so a paused reader holds the server back
    const total = 24 * body.length;
    let sent = 0;
    const srv = await httpServer((_req, res) => {
      res.writeHead(200, { 'Content-Length': total });
      const pump = () => {
        while (sent < total) {
          const ok = res.write(body);
          sent += body.length;
          if (!ok) return res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    let paused = false;
    let sentWhilePaused = 0;
    const r = await get(newClient(), `${srv.url}/big`, {
      onData(ctl) {
        if (paused) return;
        paused = true;
        ctl.pause();
        setTimeout(() => {
          sentWhilePaused = sent;
          ctl.resume();
        }, 200);
      },
    });
    expect(r.error).toBeUndefined();
    expect(r.body.length).toBe(total);
    expect(r.body.subarray(total - body.length).equals(body)).toBe(true);
    expect(sentWhilePaused).toBeLessThan(total / 2);
  });

  it('ends an aborted exchange with the abort reason and closes its connection', async () => {
    const srv = await httpServer((_req, res) => {
      res.writeHead(200, { 'Content-Length': body.length });
      res.write(body.subarray(0, 65536));
    });
    const client = newClient();
    const reason = new Error('enough');
    const r = await get(client, `${srv.url}/abort`, { onData: (ctl) => ctl.abort(reason) });
    expect(r.error).toBe(reason);
    expect(client.openConnections).toBe(0);
  });

  it('hands a redirect with a body to the caller and keeps the connection for the next request', async () => {
    const srv = await httpServer((req, res) => {
      if (req.url === '/from') {
        res.writeHead(302, { Location: '/to', 'Content-Length': 5 });
        return res.end('moved');
      }
      res.writeHead(200, { 'Content-Length': 2 });
      res.end('to');
    });
    const client = newClient();
    const r = await get(client, `${srv.url}/from`);
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('/to');
    expect((await get(client, `${srv.url}/to`)).body.toString()).toBe('to');
    expect(srv.connections()).toBe(1);
  });

  it('skips an interim 100 response and parses a head split across reads', async () => {
    const srv = await rawServer((socket) => {
      socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Le');
      setTimeout(() => socket.write('ngth: 3\r\nX-Two: a\r\nX-Two: b\r\n\r'), 10);
      setTimeout(() => socket.write('\nabc'), 20);
    });
    const r = await get(newClient(), `${srv.url}/x`);
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(200);
    expect(r.headers['x-two']).toEqual(['a', 'b']);
    expect(r.body.toString()).toBe('abc');
  });

  it('answers a 204 without waiting for a body', async () => {
    const srv = await httpServer((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const r = await get(newClient(), `${srv.url}/x`);
    expect(r.status).toBe(204);
    expect(r.error).toBeUndefined();
  });

  it('refuses a response that is not HTTP/1.x and a header value with a line break', async () => {
    const srv = await rawServer((socket) => socket.write('SSH-2.0-OpenSSH\r\n\r\n'));
    const r = await get(newClient(), `${srv.url}/x`);
    expect(r.error?.message).toMatch(/not an HTTP\/1\.1 response/);
    expect(() =>
      newClient().dispatch(
        { origin: srv.url, path: '/', headers: { Authorization: 'Bearer x\r\nEvil: 1' } },
        {} as RangeHandler,
      ),
    ).toThrow(/line break/);
  });

  it('speaks TLS (reading into one reused buffer) with a certificate it is told to trust', async () => {
    const server = https.createServer(
      {
        key: readFileSync(join(TLS_DIR, 'key.pem')),
        cert: readFileSync(join(TLS_DIR, 'cert.pem')),
      },
      (req, res) => {
        const [a, b] = rangeOf(req.headers.range);
        res.writeHead(206, { 'Content-Length': b - a });
        res.end(body.subarray(a, b));
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.push({
      close: () => {
        server.closeAllConnections();
        server.close();
      },
    });
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/tls`;
    const trusted = newClient(4_000, { ca: readFileSync(join(TLS_DIR, 'cert.pem')) });
    const r = await get(trusted, url, { headers: { Range: 'bytes=5-2000004' } });
    expect(r.error).toBeUndefined();
    expect(r.body.equals(body.subarray(5, 2000005))).toBe(true);
    const untrusted = await get(newClient(), url);
    expect(untrusted.error?.message).toMatch(/self-signed|self signed/);
  });
});
