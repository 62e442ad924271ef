import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ActivityRecord } from '../../shared/api/activity';
import type { ServerEvent } from '../../shared/api/events';
import type { Instance } from '../../shared/api/instances';
import type { DownloadJob } from '../../shared/api/models';
import type { ResourceSampler } from './resource-sampler';

/** What the metrics need of a finished request (see ActivityRecord). */
export type RequestRecord = Pick<
  ActivityRecord,
  | 'instance'
  | 'route'
  | 'status'
  | 'duration_ms'
  | 'ttfb_ms'
  | 'prompt_tokens'
  | 'completion_tokens'
>;

export interface MetricsDeps {
  instances(): Instance[];
  sampler: ResourceSampler;
}

/** Buckets for model requests: a fast health check up to a long generation. */
const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const TTFB_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The Prometheus metrics of one server, in a registry of its own (not prom-client's global
 * one, so two servers in one process, as in the tests, do not mix). Request figures are
 * recorded as requests end; instance gauges are read when scraped, from the instance list and
 * a resource sample no older than the sampling interval.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'instance' | 'route' | 'status'>;
  private readonly duration: Histogram<'instance'>;
  private readonly ttfb: Histogram<'instance'>;
  private readonly tokens: Counter<'instance' | 'kind'>;
  private readonly restarts: Counter<'instance'>;
  private readonly downloadBytes: Counter;
  /** bytes already counted per download job, so progress events add only what is new */
  private readonly jobBytes = new Map<string, number>();

  constructor(private readonly d: MetricsDeps) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'llamactl_requests_total',
      help: 'Requests forwarded to instances, by instance, route and response status',
      labelNames: ['instance', 'route', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'llamactl_request_duration_seconds',
      help: 'Time from receiving a request to the end of its response',
      labelNames: ['instance'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.ttfb = new Histogram({
      name: 'llamactl_time_to_first_byte_seconds',
      help: 'Time from receiving a request to the first byte of the response body',
      labelNames: ['instance'],
      buckets: TTFB_BUCKETS,
      registers,
    });
    this.tokens = new Counter({
      name: 'llamactl_tokens_total',
      help: 'Tokens processed by completions, by instance and kind (prompt or completion)',
      labelNames: ['instance', 'kind'],
      registers,
    });
    this.restarts = new Counter({
      name: 'llamactl_instance_restarts_total',
      help: 'Automatic restarts of an instance after its backend exited',
      labelNames: ['instance'],
      registers,
    });
    this.downloadBytes = new Counter({
      name: 'llamactl_download_bytes_total',
      help: 'Bytes downloaded by model download jobs',
      registers,
    });
    new Gauge({
      name: 'llamactl_instance_up',
      help: '1 when the instance is running and its backend answers its health check',
      labelNames: ['instance'],
      registers,
      collect: () => {
        const g = this.registry.getSingleMetric('llamactl_instance_up') as Gauge<'instance'>;
        g.reset();
        for (const i of this.d.instances())
          g.set({ instance: i.name }, i.status === 'running' && i.health === 'ready' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'llamactl_instance_resident_memory_bytes',
      help: "Resident memory of the instance's whole process group",
      labelNames: ['instance'],
      registers,
      collect: async () => {
        const g = this.registry.getSingleMetric(
          'llamactl_instance_resident_memory_bytes',
        ) as Gauge<'instance'>;
        g.reset();
        for (const [name, r] of await this.d.sampler.fresh())
          g.set({ instance: name }, r.rss_bytes);
      },
    });
  }

  recordRequest(r: RequestRecord): void {
    this.requests.inc({
      instance: r.instance,
      route: metricRoute(r.route),
      status: String(r.status),
    });
    this.duration.observe({ instance: r.instance }, r.duration_ms / 1000);
    if (r.ttfb_ms !== null) this.ttfb.observe({ instance: r.instance }, r.ttfb_ms / 1000);
    if (r.prompt_tokens) this.tokens.inc({ instance: r.instance, kind: 'prompt' }, r.prompt_tokens);
    if (r.completion_tokens)
      this.tokens.inc({ instance: r.instance, kind: 'completion' }, r.completion_tokens);
  }

  /** Restarts and download bytes come from the event bus. */
  onEvent(e: ServerEvent): void {
    if (e.type === 'instance' && e.change === 'restart') this.restarts.inc({ instance: e.name });
    if (e.type === 'job') {
      const job = e.job as Partial<DownloadJob>;
      if (!job?.id) return;
      const now = job.progress?.bytes_downloaded ?? 0;
      const finished = ['completed', 'failed', 'cancelled'].includes(job.status ?? '');
      // The first figure seen is the baseline: bytes a resumed job already had are not new.
      const before = this.jobBytes.get(job.id) ?? now;
      if (now > before) this.downloadBytes.inc(now - before);
      if (finished) this.jobBytes.delete(job.id);
      else this.jobBytes.set(job.id, Math.max(now, before));
    }
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/**
 * The `route` label of a request path: OpenAI/Anthropic endpoints as they are (a short, fixed
 * set), the per-instance routes as templates, so that neither instance names nor paths a client
 * makes up multiply the series.
 */
export function metricRoute(path: string): string {
  if (path.startsWith('/llama-cpp/')) return '/llama-cpp/{name}/*';
  if (path.startsWith('/api/v1/instances/')) return '/api/v1/instances/{name}/proxy/*';
  if (/^\/v1(\/[a-z_]+){1,2}$/.test(path)) return path;
  return '/v1/*';
}
