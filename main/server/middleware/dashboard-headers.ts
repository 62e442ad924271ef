import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { RequestHandler } from 'express';

/**
 * The dashboard's Content-Security-Policy: the server sends it on the dashboard's responses (a
 * browser tab), and the desktop app puts the same one on every response of the app's origin
 * (main/electron/security.ts). Scripts only from the app itself (no eval, no inline script
 * except the ones shipped in the built index.html, allowed by hash); inline styles stay allowed
 * (style elements and attributes cannot run code, and libraries may inject them); images also
 * from data: and blob: (the favicon, chat image attachments); the API is reached same-origin
 * only; nothing may frame the dashboard and it frames nothing.
 */
export function contentSecurityPolicy(scriptHashes: readonly string[] = []): string {
  return CSP_DIRECTIVES.map((d) =>
    d === "script-src 'self'" && scriptHashes.length ? `${d} ${scriptHashes.join(' ')}` : d,
  ).join('; ');
}

/**
 * CSP hash sources for the inline scripts of the built dashboard page (e.g. the theme script
 * that must run before first paint), so they run and nothing else inline does.
 */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (/\bsrc\s*=/i.test(m[1])) continue;
    // The HTML parser turns CRLF into LF before the browser hashes the script text.
    const text = m[2].replace(/\r\n?/g, '\n');
    hashes.push(`'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`);
  }
  return hashes;
}

const CSP_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
];

/** The policy without inline-script hashes. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/** Paths that are not the dashboard: the APIs, the backend proxies, metrics, Swagger. */
const NOT_DASHBOARD = /^\/(?:api|v1|llama-cpp|metrics|swagger)(?:\/|$)/;

/**
 * Framing protection and the CSP on the dashboard's responses only. A backend's own pages
 * (llama-server's web UI behind /api/v1/instances/{name}/proxy/) and API responses keep what
 * they send. The policy follows the built index.html (re-read when its mtime changes, so a
 * rebuilt dashboard's new inline-script hashes apply without a restart).
 */
export function dashboardHeaders(indexFile: string): RequestHandler {
  let seen: number | null = null;
  let policy = CONTENT_SECURITY_POLICY;
  const current = () => {
    let mtime: number | null = null;
    try {
      mtime = statSync(indexFile).mtimeMs;
    } catch {
      // no built dashboard: the plain policy
    }
    if (mtime !== seen) {
      seen = mtime;
      policy =
        mtime === null
          ? CONTENT_SECURITY_POLICY
          : contentSecurityPolicy(inlineScriptHashes(readFileSync(indexFile, 'utf8')));
    }
    return policy;
  };
  return (req, res, next) => {
    if (!NOT_DASHBOARD.test(req.path)) {
      res.setHeader('Content-Security-Policy', current());
      res.setHeader('X-Frame-Options', 'DENY');
    }
    next();
  };
}
