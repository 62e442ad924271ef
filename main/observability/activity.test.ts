import type { ServerEvent } from '../../shared/api/events';
import { EventBus } from '../events/bus';
import { silentLogger } from '../logger';
import { ActivityLog } from './activity';
import { Metrics } from './metrics';
import { ResourceSampler } from './resource-sampler';

function setup(size: number) {
  const events = new EventBus();
  const seen: ServerEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const sampler = new ResourceSampler({ running: () => [], log: silentLogger });
  const metrics = new Metrics({ instances: () => [], sampler });
  return { log: new ActivityLog({ events, metrics, size }), seen, metrics };
}

const request = (instance: string, status = 200) => ({
  time: 1,
  instance,
  model: instance,
  key_name: 'laptop',
  route: '/v1/chat/completions',
  method: 'POST',
  status,
  duration_ms: 120,
  ttfb_ms: 30,
  prompt_tokens: 10,
  completion_tokens: 20,
  tokens_per_second: 50,
  request_id: null,
});

describe('the activity log', () => {
  it('builds an activity event only while a listener takes them', () => {
    const events = new EventBus();
    const others: ServerEvent[] = [];
    events.subscribe((e) => others.push(e), { withoutActivity: true });
    const sampler = new ResourceSampler({ running: () => [], log: silentLogger });
    const log = new ActivityLog({ events, metrics: new Metrics({ instances: () => [], sampler }) });
    const publish = vi.spyOn(events, 'publish');
    log.record(request('a'));
    expect(events.wantsActivity()).toBe(false);
    expect(publish).not.toHaveBeenCalled();

    const stream: ServerEvent[] = [];
    const unsubscribe = events.subscribe((e) => stream.push(e));
    log.record(request('b'));
    expect(stream.map((e) => e.type)).toEqual(['activity']);
    expect(others).toEqual([]);
    events.publish({ type: 'instance', change: 'restart', name: 'b' } as never);
    expect(others.map((e) => e.type)).toEqual(['instance']);

    unsubscribe();
    unsubscribe();
    expect(events.wantsActivity()).toBe(false);
    log.record(request('c'));
    expect(stream).toHaveLength(2);
    // the records are kept either way
    expect(log.list().map((r) => r.instance)).toEqual(['c', 'b', 'a']);
  });

  it('keeps the newest requests in a ring, newest first, filtered by instance', () => {
    const { log } = setup(3);
    for (const name of ['a', 'b', 'a', 'b', 'a']) log.record(request(name));
    expect(log.list().map((r) => [r.id, r.instance])).toEqual([
      [5, 'a'],
      [4, 'b'],
      [3, 'a'],
    ]);
    expect(log.list({ instance: 'b' }).map((r) => r.id)).toEqual([4]);
    expect(log.list({ limit: 1 }).map((r) => r.id)).toEqual([5]);
  });

  it('lists each record as it was recorded, nulls and fractions included, however many distinct strings pass', () => {
    const { log } = setup(3);
    const full = {
      ...request('a'),
      time: 1_796_000_000_123,
      duration_ms: 12.3,
      tokens_per_second: 41.7,
      request_id: 'req_0123456789abcdef0123456789abcdef',
    };
    const sparse = {
      ...request('b', 499),
      model: null,
      key_name: null,
      ttfb_ms: null,
      prompt_tokens: null,
      completion_tokens: null,
      tokens_per_second: null,
    };
    log.record(full);
    // more distinct models and routes than the interned set holds, in between
    for (let i = 0; i < 5000; i++) log.record({ ...request('c'), model: `m${i}`, route: `/r${i}` });
    log.record(sparse);
    log.record(full);
    expect(log.list()).toEqual([
      { ...full, id: 5003 },
      { ...sparse, id: 5002 },
      { ...request('c'), model: 'm4999', route: '/r4999', id: 5001 },
    ]);
  });

  it('records the requests finished in one turn together at its end, and at once when read', async () => {
    const { log, seen } = setup(10);
    const finished: string[] = [];
    const pending = (name: string) => ({
      finish: () => {
        finished.push(name);
        return request(name);
      },
    });
    log.recordLater(pending('a'));
    log.recordLater(pending('b'));
    expect(finished).toEqual([]); // nothing built yet
    expect(log.list().map((r) => [r.id, r.instance])).toEqual([
      [2, 'b'],
      [1, 'a'],
    ]); // a read flushes, in the order they ended
    log.recordLater(pending('c'));
    await new Promise((r) => setImmediate(r));
    expect(finished).toEqual(['a', 'b', 'c']);
    expect(seen.filter((e) => e.type === 'activity')).toHaveLength(3);
    expect(log.list({ limit: 1 })[0]?.instance).toBe('c');
  });

  it('publishes each request and counts it in the metrics', async () => {
    const { log, seen, metrics } = setup(10);
    log.record(request('a'));
    log.record(request('a', 502));
    expect(seen.filter((e) => e.type === 'activity')).toHaveLength(2);
    const text = (await metrics.text()).body;
    expect(text).toContain(
      'llamactl_requests_total{instance="a",route="/v1/chat/completions",status="200"} 1',
    );
    expect(text).toContain(
      'llamactl_requests_total{instance="a",route="/v1/chat/completions",status="502"} 1',
    );
    expect(text).toContain('llamactl_tokens_total{instance="a",kind="completion"} 40');
  });

  it('writes durations and times to first byte as cumulative Prometheus histograms per instance', async () => {
    const { log, metrics } = setup(10);
    log.record({ ...request('a'), duration_ms: 40, ttfb_ms: 7 });
    log.record({ ...request('a', 503), duration_ms: 400_000, ttfb_ms: null });
    const text = (await metrics.text()).body;
    const value = (series: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${series} `))
          ?.slice(series.length + 1),
      );
    const d = 'llamactl_request_duration_seconds';
    expect(value(`${d}_bucket{le="0.01",instance="a"}`)).toBe(0);
    expect(value(`${d}_bucket{le="0.05",instance="a"}`)).toBe(1);
    expect(value(`${d}_bucket{le="300",instance="a"}`)).toBe(1); // 400 s is above every bound
    expect(value(`${d}_bucket{le="+Inf",instance="a"}`)).toBe(2);
    expect(value(`${d}_sum{instance="a"}`)).toBeCloseTo(400.04);
    expect(value(`${d}_count{instance="a"}`)).toBe(2);
    const t = 'llamactl_time_to_first_byte_seconds';
    expect(value(`${t}_bucket{le="0.005",instance="a"}`)).toBe(0);
    expect(value(`${t}_bucket{le="0.01",instance="a"}`)).toBe(1);
    expect(value(`${t}_count{instance="a"}`)).toBe(1); // the 503 sent no byte
    // an instance that never sent a byte has no time-to-first-byte series
    log.record({ ...request('b'), ttfb_ms: null });
    expect((await metrics.text()).body).not.toContain(`${t}_count{instance="b"}`);
    expect((await metrics.text()).body).toContain(`${d}_count{instance="b"} 1`);
  });
});
