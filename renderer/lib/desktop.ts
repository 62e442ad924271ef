import type { DesktopBridge } from '../../shared/desktop-bridge';

export type { DesktopBridge };

/** The desktop app's preload bridge, or undefined in a plain browser. */
export function desktop(): DesktopBridge | undefined {
  return typeof window !== 'undefined' ? window.llamactlDesktop : undefined;
}
