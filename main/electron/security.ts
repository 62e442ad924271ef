import type { Session, WebContents } from 'electron';
import { externalLink, isTrustedUrl } from './trusted-url';

/**
 * The dashboard's Content-Security-Policy, sent on every response of the app's origin inside
 * the desktop session. Scripts only from the app itself (no inline script, no eval); inline
 * styles are allowed because component libraries inject <style> tags.
 */
export const CONTENT_SECURITY_POLICY = [
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
].join('; ');

/** Response headers with our CSP replacing any the server sent (whatever the header's case). */
export function withContentSecurityPolicy(headers: Record<string, string[]> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.toLowerCase() !== 'content-security-policy') out[k] = v;
  }
  out['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  return out;
}

/** Every permission (camera, notifications, geolocation, HID...) is denied: the dashboard needs none. */
export function hardenSession(session: Session, appOrigin: string): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived({ urls: [`${appOrigin}/*`] }, (details, callback) => {
    callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders) });
  });
}

/**
 * Keeps a window on the app's origin. A link or redirect to anywhere else is cancelled, and
 * http(s) ones go to the system browser instead; new windows are never created (a same-origin
 * target=_blank link opens in the main window).
 */
export function hardenWebContents(contents: WebContents, appOrigin: string, openExternal: (url: string) => void): void {
  const guard = (event: { preventDefault(): void }, url: string, handOver: boolean) => {
    if (isTrustedUrl(url, appOrigin)) return;
    event.preventDefault();
    const link = externalLink(url);
    if (handOver && link) openExternal(link);
  };
  contents.on('will-navigate', (event, url) => guard(event, url, true));
  contents.on('will-frame-navigate', (event) => {
    // Sub-frames are never needed (frame-src 'none'); main-frame navigation is will-navigate's job.
    if (!event.isMainFrame && !isTrustedUrl(event.url, appOrigin)) event.preventDefault();
  });
  // A redirect is the server's doing, not a click: refuse it without opening anything.
  contents.on('will-redirect', (event, url) => guard(event, url, false));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isTrustedUrl(url, appOrigin)) {
      void contents.loadURL(url);
    } else {
      const link = externalLink(url);
      if (link) openExternal(link);
    }
    return { action: 'deny' };
  });
}
