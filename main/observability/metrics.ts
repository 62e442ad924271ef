import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
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

/** One histogram series: counts per bucket (not cumulative; the last is above every bound). */
class Buckets {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

/** What the requests to one instance add up to. */
class InstanceRequests {
  /** route label -> status -> requests */
  readonly requests = new Map<string, Map<number, number>>();
  readonly duration = new Buckets(DURATION_BUCKETS);
  readonly ttfb = new Buckets(TTFB_BUCKETS);
  promptTokens = 0;
  completionTokens = 0;
}

type Sample = { value: number; labels: Record<string, string | number>; metricName?: string };

/**
 * A metric whose samples are computed when scraped, in the shape prom-client's registry reads
 * from its own metrics (`get()`: name, help, type, values with labels and, for a histogram's
 * lines, their metric name).
 */
function collected(
  registry: Registry,
  name: string,
  help: string,
  type: 'counter' | 'histogram',
  values: () => Sample[],
): void {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
    reset: () => undefined,
  };
  // The registry takes any object of that shape; its type names only prom-client's classes.
  registry.registerMetric(metric as unknown as Counter);
}

/** A histogram's lines as prom-client writes them: cumulative buckets, +Inf, sum, count. */
function histogramSamples(name: string, instance: string, b: Buckets): Sample[] {
  const out: Sample[] = [];
  let cumulative = 0;
  for (let i = 0; i < b.bounds.length; i++) {
    cumulative += b.counts[i]!;
    out.push({
      value: cumulative,
      labels: { le: b.bounds[i]!, instance },
      metricName: `${name}_bucket`,
    });
  }
  out.push(
    { value: b.count, labels: { le: '+Inf', instance }, metricName: `${name}_bucket` },
    { value: b.sum, labels: { instance }, metricName: `${name}_sum` },
    { value: b.count, labels: { instance }, metricName: `${name}_count` },
  );
  return out;
}

/**
 * The Prometheus metrics of one server, in a registry of its own (not prom-client's global
 * one, so two servers in one process, as in the tests, do not mix). Instance gauges are read
 * when scraped, from the instance list and a resource sample no older than the sampling
 * interval.
 *
 * Request figures are added up in plain numbers per instance as requests end and turned into
 * samples when scraped: prom-client's labelled `Counter.inc` and `Histogram.observe` build a
 * label key string and look it up on every call (2–4 µs each here), and five of them per
 * request were a large part of what recording request activity cost the proxy.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly perInstance = new Map<string, InstanceRequests>();
  private readonly restarts: Counter<'instance'>;
  private readonly downloadBytes: Counter;
  /** bytes already counted per download job, so progress events add only what is new */
  private readonly jobBytes = new Map<string, number>();

  constructor(private readonly d: MetricsDeps) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const each = <T>(f: (instance: string, r: InstanceRequests) => T[]): T[] =>
      [...this.perInstance].flatMap(([instance, r]) => f(instance, r));
    collected(
      this.registry,
      'llamactl_requests_total',
      'Requests forwarded to instances, by instance, route and response status',
      'counter',
      () =>
        each((instance, r) =>
          [...r.requests].flatMap(([route, byStatus]) =>
            [...byStatus].map(([status, value]) => ({
              value,
              labels: { instance, route, status: String(status) },
            })),
          ),
        ),
    );
    const seconds = 'llamactl_request_duration_seconds';
    collected(
      this.registry,
      seconds,
      'Time from receiving a request to the end of its response',
      'histogram',
      () => each((instance, r) => histogramSamples(seconds, instance, r.duration)),
    );
    const ttfb = 'llamactl_time_to_first_byte_seconds';
    collected(
      this.registry,
      ttfb,
      'Time from receiving a request to the first byte of the response body',
      'histogram',
      // an instance whose responses never sent a byte has no series, as with prom-client's
      () => each((instance, r) => (r.ttfb.count ? histogramSamples(ttfb, instance, r.ttfb) : [])),
    );
    collected(
      this.registry,
      'llamactl_tokens_total',
      'Tokens processed by completions, by instance and kind (prompt or completion)',
      'counter',
      () =>
        each((instance, r) => [
          ...(r.promptTokens
            ? [{ value: r.promptTokens, labels: { instance, kind: 'prompt' } }]
            : []),
          ...(r.completionTokens
            ? [{ value: r.completionTokens, labels: { instance, kind: 'completion' } }]
            : []),
        ]),
    );
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
    let sums = this.perInstance.get(r.instance);
    if (!sums) {
      sums = new InstanceRequests();
      this.perInstance.set(r.instance, sums);
    }
    const route = metricRoute(r.route);
    let byStatus = sums.requests.get(route);
    if (!byStatus) {
      byStatus = new Map();
      sums.requests.set(route, byStatus);
    }
    byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    sums.duration.observe(r.duration_ms / 1000);
    if (r.ttfb_ms !== null) sums.ttfb.observe(r.ttfb_ms / 1000);
    if (r.prompt_tokens) sums.promptTokens += r.prompt_tokens;
    if (r.completion_tokens) sums.completionTokens += r.completion_tokens;
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
