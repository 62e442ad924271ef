import { create } from 'zustand';

/**
 * Whether the server answers at all. Any answer (even an error status) counts as reachable; a
 * request that fails on the network (refused, reset, DNS) marks it unreachable. The dashboard
 * then shows one banner instead of an error per request, pauses its actions and marks what it
 * shows as last known, until a probe or the event stream gets through again.
 */
interface ConnectionState {
  reachable: boolean;
  /** ms since epoch when it was first found unreachable; null while reachable */
  since: number | null;
}

export const useConnectionStore = create<ConnectionState>(() => ({ reachable: true, since: null }));

export const useServerReachable = () => useConnectionStore((s) => s.reachable);

export function noteUnreachable(): void {
  if (useConnectionStore.getState().reachable)
    useConnectionStore.setState({ reachable: false, since: Date.now() });
}

export function noteReachable(): void {
  if (!useConnectionStore.getState().reachable)
    useConnectionStore.setState({ reachable: true, since: null });
}

/** A request that got no answer: the server is down, restarting, or the network is gone. */
export class ServerUnreachableError extends Error {
  readonly status = 0;
  readonly code = 'server_unreachable';
  readonly details: string;
  constructor(readonly url: string) {
    super(`Can't reach the server at ${displayUrl(url)}.`);
    this.name = 'ServerUnreachableError';
    this.details = this.message;
  }
}

export function isUnreachable(err: unknown): err is ServerUnreachableError {
  return err instanceof ServerUnreachableError;
}

/** The server's address as people write it: no trailing slash. */
export function displayUrl(url: string): string {
  return url.replace(/\/+$/, '');
}
