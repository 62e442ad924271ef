import type { Instance } from '../../shared/api/instances';
import { runLlamaHelper } from '../backends/helper-runner';
import type { AppConfig } from '../config/schema';
import type { EventBus } from '../events/bus';
import type { Logger } from '../logger';
import { ActivityLog, type ActivityRecorder } from './activity';
import { Metrics } from './metrics';
import { ResourceSampler } from './resource-sampler';
import { systemResources, type SystemResources } from './system-resources';

export interface ObservabilityDeps {
  config: AppConfig;
  events: EventBus;
  log: Logger;
  /** local instances only: remote ones are sampled by their own node */
  localInstances(): Instance[];
}

/** How long the machine's GPU list (a llama-server --list-devices run) is reused. */
const DEVICES_TTL_MS = 60_000;

/**
 * Resources, metrics and machine facts of one server: the resource sampler (which publishes a
 * `resources` event per sample), the Prometheus registry, and the system resources answer.
 */
export class Observability {
  readonly sampler: ResourceSampler;
  readonly metrics: Metrics;
  /** the latest requests through /v1, /llama-cpp and the instance proxy */
  readonly activity: ActivityLog;
  private recording: boolean;
  private devices: { at: number; text: Promise<string | null> } | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly d: ObservabilityDeps) {
    this.sampler = new ResourceSampler({
      running: () =>
        d
          .localInstances()
          .filter((i) => i.status === 'running' && typeof i.pid === 'number')
          .map((i) => ({ name: i.name, pid: i.pid! })),
      onSample: (sample) =>
        d.events.publish({ type: 'resources', instances: Object.fromEntries(sample) }),
      log: d.log.child('resources'),
    });
    this.metrics = new Metrics({ instances: () => d.localInstances(), sampler: this.sampler });
    this.activity = new ActivityLog({
      events: d.events,
      metrics: this.metrics,
      size: d.config.metrics.activity_size,
    });
    this.recording = d.config.metrics.activity_size > 0;
    this.unsubscribe = d.events.subscribe((e) => this.metrics.onEvent(e), {
      withoutActivity: true,
    });
  }

  /**
   * What the proxy records requests with; none when recording is off (`metrics.activity_size`
   * 0, or turned off by setRecording). Read as each request starts.
   */
  get recorder(): ActivityRecorder | undefined {
    return this.recording ? this.activity : undefined;
  }

  /**
   * Turns recording on or off for the requests that start from now on (never on with
   * `metrics.activity_size` 0). bench:proxy switches it to measure recording's cost within one
   * process.
   */
  setRecording(on: boolean): void {
    this.recording = on && this.d.config.metrics.activity_size > 0;
  }

  /** The instance with its latest resource sample (null when not running). */
  withResources(instance: Instance): Instance {
    const resources = instance.status === 'running' ? this.sampler.get(instance.name) : null;
    return { ...instance, resources };
  }

  async system(): Promise<SystemResources> {
    return systemResources({ listDevices: () => this.listDevices(), log: this.d.log });
  }

  private listDevices(): Promise<string | null> {
    const now = Date.now();
    if (!this.devices || now - this.devices.at > DEVICES_TTL_MS) {
      this.devices = {
        at: now,
        text: runLlamaHelper('devices', this.d.config, { timeoutMs: 10_000 }).catch(() => null),
      };
    }
    return this.devices.text;
  }

  close(): void {
    this.unsubscribe();
    this.sampler.close();
  }
}
