import http from 'node:http';

export interface HealthTuning {
  /** poll period while the backend is starting (llamactl: 1 s; we want readiness within tens of ms) */
  startingIntervalMs: number;
  /** poll period once ready */
  readyIntervalMs: number;
  /** per-request timeout */
  requestTimeoutMs: number;
  /** consecutive failures after `ready` before the instance is reported `unhealthy` */
  unhealthyAfter: number;
}

export const DEFAULT_HEALTH_TUNING: HealthTuning = {
  startingIntervalMs: 25,
  readyIntervalMs: 3000,
  requestTimeoutMs: 2000,
  unhealthyAfter: 2,
};

// Keep-alive avoids a TCP handshake per probe and one TIME_WAIT socket per 25 ms.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16 });

/** One GET; true only for a 2xx answer (llama-server answers 503 while the model loads). */
export function probeHealth(
  host: string,
  port: number,
  path: string,
  timeoutMs: number,
): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, agent, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
  });
}

export type HealthReport = 'ready' | 'unhealthy';

/**
 * Polls one backend's health URL: quickly until the first success, then relaxed. Reports only
 * changes (`ready` on the first success and on recovery, `unhealthy` after repeated failures).
 * Process death is reported by the process, not by polling, so it is noticed at once.
 */
export class HealthMonitor {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private ready = false;
  private failures = 0;
  private state: HealthReport | null = null;

  constructor(
    private readonly target: { host: string; port: number; path: string },
    private readonly tuning: HealthTuning,
    private readonly onChange: (state: HealthReport) => void,
  ) {}

  start(): void {
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const ok = await probeHealth(
      this.target.host,
      this.target.port,
      this.target.path,
      this.tuning.requestTimeoutMs,
    );
    if (this.stopped) return;
    if (ok) {
      this.failures = 0;
      this.ready = true;
      this.report('ready');
    } else if (this.ready) {
      this.failures++;
      if (this.failures >= this.tuning.unhealthyAfter) this.report('unhealthy');
    }
    const interval =
      this.state === 'ready' ? this.tuning.readyIntervalMs : this.tuning.startingIntervalMs;
    this.timer = setTimeout(() => void this.tick(), interval);
  }

  private report(state: HealthReport): void {
    if (this.state === state) return;
    this.state = state;
    this.onChange(state);
  }
}
