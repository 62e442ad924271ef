import type { AppError } from '../../shared/errors';
import type { EventBus } from '../events/bus';

/**
 * Failed on-demand starts, remembered for a short window (`instances.failed_start_backoff`
 * seconds). SDKs retry a 500 several times (LangChain six, with its own back-off) and every
 * retry of a request whose instance cannot start would spawn the backend again; within the
 * window the same error is answered at once instead. Only the proxy's on-demand start consults
 * it: a start from the dashboard, the API or the tray is never held back, and any instance that
 * reaches `running`, however it got there, is forgotten.
 */
export class StartBackoff {
  private readonly failed = new Map<string, { until: number; error: AppError }>();

  constructor(
    private readonly seconds: () => number,
    events?: Pick<EventBus, 'subscribe'>,
    private readonly now: () => number = Date.now,
  ) {
    events?.subscribe(
      (e) => {
        if (this.failed.size === 0 || e.type !== 'instance') return;
        if (e.change === 'deleted' || e.instance?.status === 'running') this.failed.delete(e.name);
      },
      { withoutActivity: true },
    );
  }

  /** The failure to answer again, while its window lasts. */
  current(name: string): AppError | null {
    const entry = this.failed.get(name);
    if (!entry) return null;
    if (this.now() < entry.until) return entry.error;
    this.failed.delete(name);
    return null;
  }

  remember(name: string, error: AppError): void {
    const s = this.seconds();
    if (s > 0) this.failed.set(name, { until: this.now() + s * 1000, error });
  }

  forget(name: string): void {
    this.failed.delete(name);
  }
}
