import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Icon } from '../components/icon';
import { probeServer, serverBase } from '../lib/api-client';
import { displayUrl, useServerReachable } from '../lib/connection';

/** Probe delays while the server is gone: 1, 2, 4, 8, then every 10 seconds. */
export function probeDelayMs(attempt: number): number {
  return Math.min(10_000, 1000 * 2 ** Math.min(attempt, 4));
}

/**
 * While the server cannot be reached: probes it with back-off; once it answers again, refetches
 * every query on screen (what changed meanwhile was never sent).
 */
export function useConnectionMonitor(): void {
  const qc = useQueryClient();
  const reachable = useServerReachable();
  const [attempt, setAttempt] = useState(0);
  const wasDown = useRef(false);
  useEffect(() => {
    if (reachable) {
      if (wasDown.current) {
        wasDown.current = false;
        setAttempt(0);
        // a fetch already on its way (the event stream's list refetch) is not sent twice
        void qc.invalidateQueries(undefined, { cancelRefetch: false });
      }
      return;
    }
    wasDown.current = true;
    const t = setTimeout(
      () => void probeServer().finally(() => setAttempt((a) => a + 1)),
      probeDelayMs(attempt),
    );
    return () => clearTimeout(t);
  }, [reachable, attempt, qc]);
}

/** One plain sentence while the server is gone, instead of an error per request. */
export function ConnectionBanner() {
  const reachable = useServerReachable();
  const [trying, setTrying] = useState(false);
  if (reachable) return null;
  return (
    <div className="connection-banner" role="alert">
      <Icon name="alert" size={18} />
      <span>
        <strong>Can&apos;t reach the server at {displayUrl(serverBase())}</strong> — retrying…
        Actions are paused; what you see is the last known state.
      </span>
      <button
        type="button"
        className="btn btn-secondary btn-sm"
        disabled={trying}
        onClick={() => {
          setTrying(true);
          void probeServer().finally(() => setTrying(false));
        }}
      >
        {trying ? 'Trying…' : 'Try now'}
      </button>
    </div>
  );
}
