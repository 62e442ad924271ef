import type { Session, WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../server/middleware/dashboard-headers';
import { externalLink, isDashboardUrl } from './trusted-url';

// One policy for the browser tab (the server sends it) and the desktop window (set here).
export {
  CONTENT_SECURITY_POLICY,
  contentSecurityPolicy,
  inlineScriptHashes,
} from '../server/middleware/dashboard-headers';

/** Response headers with our CSP replacing any the server sent (whatever the header's case). */
export function withContentSecurityPolicy(
  headers: Record<string, string[]> | undefined,
  policy: string = CONTENT_SECURITY_POLICY,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.toLowerCase() !== 'content-security-policy') out[k] = v;
  }
  out['Content-Security-Policy'] = [policy];
  return out;
}

/**
 * The one permission the dashboard gets: writing to the clipboard (its Copy buttons use
 * navigator.clipboard.writeText, which Chromium gates as 'clipboard-sanitized-write',
 * docs/api/session.md), and only for pages of the dashboard itself. Everything else (camera,
 * notifications, geolocation, clipboard read, HID...) is denied.
 */
export function permissionAllowed(
  permission: string,
  requestingUrl: string | undefined,
  appOrigin: string,
): boolean {
  return permission === 'clipboard-sanitized-write' && isDashboardUrl(requestingUrl, appOrigin);
}

export function hardenSession(
  session: Session,
  appOrigin: string,
  policy: string = CONTENT_SECURITY_POLICY,
): void {
  // Chromium checks first and requests when the check fails; both must agree (session.md:
  // "you must also implement setPermissionCheckHandler to get complete permission handling").
  session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(permissionAllowed(permission, details?.requestingUrl, appOrigin)),
  );
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    permissionAllowed(permission, details?.requestingUrl ?? requestingOrigin, appOrigin),
  );
  session.webRequest.onHeadersReceived({ urls: [`${appOrigin}/*`] }, (details, callback) => {
    callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders, policy) });
  });
}

/**
 * Keeps a window on the dashboard's pages. A link or redirect to anywhere else (another origin,
 * or a backend's page behind the app's own proxy routes) is cancelled, and http(s) ones go to
 * the system browser instead; new windows are never created (a dashboard target=_blank link
 * opens in the main window).
 */
export function hardenWebContents(
  contents: WebContents,
  appOrigin: string,
  openExternal: (url: string) => void,
): void {
  const guard = (event: { preventDefault(): void }, url: string, handOver: boolean) => {
    if (isDashboardUrl(url, appOrigin)) return;
    event.preventDefault();
    const link = externalLink(url);
    if (handOver && link) openExternal(link);
  };
  contents.on('will-navigate', (event, url) => guard(event, url, true));
  contents.on('will-frame-navigate', (event) => {
    // Sub-frames are never needed (frame-src 'none'); main-frame navigation is will-navigate's job.
    if (!event.isMainFrame && !isDashboardUrl(event.url, appOrigin)) event.preventDefault();
  });
  // A redirect is the server's doing, not a click: refuse it without opening anything.
  contents.on('will-redirect', (event, url) => guard(event, url, false));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isDashboardUrl(url, appOrigin)) {
      void contents.loadURL(url);
    } else {
      const link = externalLink(url);
      if (link) openExternal(link);
    }
    return { action: 'deny' };
  });
}
