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
});
