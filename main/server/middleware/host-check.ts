import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppConfig } from '../../config/schema';

/**
 * DNS rebinding defence. A web page on evil.example can make its own name resolve to 127.0.0.1
 * and then talk to a loopback server as if it were same-origin; the browser still sends
 * `Host: evil.example:<port>`. So when the server is bound to loopback, only loopback names (and
 * names the user lists in `server.allowed_hosts`) are served. For a LAN bind (an explicit choice)
 * clients may use any name, so no check is made there; authentication protects it.
 */
export interface HostPolicy {
  /** loopback hostnames and the bound address, accepted with any port */
  names: Set<string>;
  /** `server.allowed_hosts` entries: bare names accept any port, `name:port` one port */
  extraAnyPort: Set<string>;
  extraWithPort: Set<string>;
  /** answers for Host values seen before (a client sends the same one on every request) */
  seen: Map<string, boolean>;
}

/** Distinct Host values remembered; past it the memo starts over (a flood of names costs a re-check, nothing more). */
const SEEN_MAX = 256;

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** The policy for a bind address, or null when no Host check applies (non-loopback bind). */
export function hostPolicy(config: AppConfig): HostPolicy | null {
  const bind = config.server.host;
  if (!isLoopbackHost(bind)) return null;
  const names = new Set(LOOPBACK_NAMES);
  const b = bind.toLowerCase();
  names.add(b.includes(':') && !b.startsWith('[') ? `[${b}]` : b);
  const extraAnyPort = new Set<string>();
  const extraWithPort = new Set<string>();
  for (const entry of config.server.allowed_hosts) {
    if (!entry.trim()) continue;
    // IPv6 literals are written in brackets, as in a Host header: [fe80::1] or [fe80::1]:8080
    const { name, port } = splitHost(entry);
    if (port) extraWithPort.add(`${name}:${port}`);
    else extraAnyPort.add(name);
  }
  return { names, extraAnyPort, extraWithPort, seen: new Map() };
}

/** Splits a Host header into hostname and port (port '' when absent). */
export function splitHost(host: string): { name: string; port: string } {
  const h = host.trim().toLowerCase();
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(h);
  if (!m) return { name: h, port: '' };
  return { name: m[1], port: m[2] ?? '' };
}

/**
 * The port of a loopback name is not checked: a rebinding page always shows up with its own
 * (non-loopback) name, so the port adds no protection, while tunnels (`ssh -L 9000:...`) and dev
 * proxies (Vite on :5173) legitimately present a loopback name with another port.
 */
export function isAllowedHost(hostHeader: string | undefined, policy: HostPolicy): boolean {
  // HTTP/1.1 requires Host; an HTTP/1.0 client without one is not a browser being rebound.
  if (hostHeader === undefined) return true;
  const known = policy.seen.get(hostHeader);
  if (known !== undefined) return known;
  const { name, port } = splitHost(hostHeader);
  const allowed =
    policy.names.has(name) ||
    policy.extraAnyPort.has(name) ||
    (port !== '' && policy.extraWithPort.has(`${name}:${port}`));
  if (policy.seen.size >= SEEN_MAX) policy.seen.clear();
  policy.seen.set(hostHeader, allowed);
  return allowed;
}

/** Writes a 403 refusal in a route's own error shape. */
export type Refuse = (req: IncomingMessage, res: ServerResponse, details: string) => void;

/**
 * Answers 403 and returns false when the request's Host is not allowed (through `refuse` when
 * given: the protocol routes answer in their own error shape). Plain node types, so it runs in
 * front of both the hot-path proxy routes and Express.
 */
export function checkHost(
  policy: HostPolicy | null,
  req: IncomingMessage,
  res: ServerResponse,
  refuse?: Refuse,
): boolean {
  if (!policy || isAllowedHost(req.headers.host, policy)) return true;
  const details = `Host ${JSON.stringify(req.headers.host)} is not allowed for a server bound to loopback; add it to server.allowed_hosts (LLAMACTL_ALLOWED_HOSTS) if it is yours`;
  if (refuse) {
    refuse(req, res, details);
    return false;
  }
  const body = JSON.stringify({ error: 'forbidden_host', details }) + '\n';
  res.statusCode = 403;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
  return false;
}
