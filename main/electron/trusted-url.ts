/**
 * Decides what belongs to the app. The window only ever shows pages of the local server's
 * origin; everything else is either handed to the system browser or refused. Pure, so the
 * table test can throw every misleading URL at it.
 */

/**
 * True when `value` is a page of the app: same scheme, host and port as `appOrigin` after the
 * WHATWG parse (the parse Chromium applies before it navigates), and no credentials.
 */
export function isTrustedUrl(value: unknown, appOrigin: string): boolean {
  const url = parse(value);
  const app = parse(appOrigin);
  if (!url || !app) return false;
  // An opaque origin ('null': file:, data:, blob: without a host...) never matches anything.
  if (app.origin === 'null' || app.protocol !== 'http:') return false;
  // userinfo is how "http://127.0.0.1:8080@evil.test" style URLs hide their real host; the
  // app never uses credentials in URLs, so any URL carrying them is refused outright.
  if (url.username || url.password) return false;
  // blob: and filesystem: URLs inherit their creator's origin but are not pages of the app.
  if (url.protocol !== 'http:') return false;
  return url.origin === app.origin;
}

/**
 * The URL to hand to the system browser, or null when the link must not leave the app: only
 * http(s) links with a host and without credentials. The normalised href is returned so that
 * the OS handler receives exactly what was checked.
 */
export function externalLink(value: unknown): string | null {
  const url = parse(value);
  if (!url) return null;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (!url.hostname || url.username || url.password) return null;
  return url.href;
}

function parse(value: unknown): URL | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 8192) return null;
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** The app origin for a server URL: the window connects over loopback when the server listens on every interface. */
export function loopbackOrigin(serverUrl: string): string {
  const url = new URL(serverUrl);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  if (url.hostname === '[::]') url.hostname = '[::1]';
  return url.origin;
}

/**
 * Path prefixes of the app's origin that are not the dashboard: the API, the OpenAI-compatible
 * routes and the llama.cpp routes. The instance proxy (/api/v1/instances/<name>/proxy/) and
 * /llama-cpp/<name>/ serve a backend's own HTML, which must never run in the window that can
 * ask for the management key. Express matches routes case-insensitively, so the check does too.
 */
const NOT_DASHBOARD = /^\/+(api|v1|llama-cpp)(\/|$)/i;

/**
 * True for pages of the dashboard itself: a trusted URL (see isTrustedUrl) whose path is not
 * one of the server's API or proxy routes, percent-encoded or not.
 */
export function isDashboardUrl(value: unknown, appOrigin: string): boolean {
  if (!isTrustedUrl(value, appOrigin)) return false;
  const path = (parse(value) as URL).pathname;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return false; // a malformed escape is nothing the dashboard links to
  }
  return !NOT_DASHBOARD.test(path) && !NOT_DASHBOARD.test(decoded);
}
