// Reference proxies for `npm run bench:proxy`: what forwarding costs in Node before any of our
// logic runs. Not used by the product.
//
//   node scripts/bench-proxy-floor.mjs undici <port> <backendPort>
//     node:http server + undici Pool, the same transport as our hot path, with nothing else:
//     no auth, no routing, no body inspection, no model rewrite, no header filtering. The lowest
//     CPU per request our design can reach on this machine.
//   node scripts/bench-proxy-floor.mjs http-proxy <port> <backendPort>
//     the http-proxy package with a keep-alive agent, as the "bare Node http-proxy".
//
// Prints "ready" once listening; exits on SIGTERM/SIGINT.
import http from 'node:http';
import httpProxy from 'http-proxy';
import { Pool } from 'undici';

const [kind, port, backendPort] = process.argv.slice(2);
if (!['undici', 'http-proxy'].includes(kind) || !port || !backendPort) {
  console.error('usage: bench-proxy-floor.mjs undici|http-proxy <port> <backendPort>');
  process.exit(2);
}

/** undici's callback interface: every chunk written through as it arrives, raw headers kept. */
class Forward {
  constructor(res) {
    this.res = res;
  }
  onConnect() {}
  onHeaders(status, raw, resume) {
    const headers = [];
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toString('latin1');
      if (name.toLowerCase() !== 'connection' && name.toLowerCase() !== 'keep-alive')
        headers.push(name, raw[i + 1].toString('latin1'));
    }
    this.res.writeHead(status, headers);
    this.resume = resume;
    return true;
  }
  onData(chunk) {
    if (this.res.write(chunk)) return true;
    this.res.once('drain', () => this.resume());
    return false;
  }
  onComplete() {
    this.res.end();
  }
  onError() {
    if (this.res.headersSent) this.res.destroy();
    else {
      this.res.writeHead(502);
      this.res.end();
    }
  }
}

let handler;
if (kind === 'undici') {
  const pool = new Pool(`http://127.0.0.1:${backendPort}`, {
    connections: null,
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: 4000,
  });
  handler = (req, res) => {
    const headers = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i].toLowerCase();
      if (
        name !== 'connection' &&
        name !== 'keep-alive' &&
        name !== 'host' &&
        name !== 'transfer-encoding'
      )
        headers.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
    }
    // The body is read first, as our hot path does to find `model` (one write upstream).
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body =
        chunks.length === 0 ? null : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      pool.dispatch({ path: req.url, method: req.method, headers, body }, new Forward(res));
    });
  };
} else {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${backendPort}`, agent });
  proxy.on('error', (_err, _req, res) => {
    if (res.headersSent) res.destroy();
    else {
      res.writeHead(502);
      res.end();
    }
  });
  handler = (req, res) => proxy.web(req, res);
}

const server = http.createServer({ keepAliveTimeout: 65_000 }, handler);
server.listen(Number(port), '127.0.0.1', () => console.log('ready'));
const stop = () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
