import os from 'node:os';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { ActivityRecord } from '../../shared/api/activity';
import type { Instance } from '../../shared/api/instances';
import {
  action,
  createInstance,
  getInstance,
  modelFile,
  testPortRange,
} from '../instances/test-helpers';
import { startTestServer, type TestServer } from '../testing/test-server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ config: { instances: { port_range: testPortRange(11) } } });
  await createInstance(s, 'watched', {
    backend_options: { model: modelFile('w.gguf') },
    environment: { FAKE_SPAWN_CHILD: '1' },
  });
  expect((await action(s, 'watched', 'start')).status).toBe(200);
  await vi.waitFor(async () => expect((await getInstance(s, 'watched')).health).toBe('ready'), {
    timeout: 10_000,
  });
});
afterAll(async () => {
  await s?.close();
});

type Family = {
  name: string;
  type: string;
  metrics: { value: string; labels?: Record<string, string> }[];
};

async function scrape(headers: Record<string, string> = { Authorization: `Bearer ${s.mgmtKey}` }) {
  const res = await fetch(`${s.url}/metrics`, { headers });
  return { res, families: res.ok ? (parsePrometheusTextFormat(await res.text()) as Family[]) : [] };
}

describe('resources and metrics', () => {
  it('shows the memory, CPU, processes and port of a running instance in its JSON, and null when stopped', async () => {
    await createInstance(s, 'idle', { backend_options: { model: '/models/i.gguf' } });
    // A sample is up to 2 s old: the first ones may predate the port and the grandchild.
    let running: Instance | undefined;
    await vi.waitFor(
      async () => {
        running = await getInstance(s, 'watched');
        expect(running.resources).toMatchObject({
          processes: 2, // the backend and its grandchild, one process group
          listen_ports: [running.options.backend_options.port],
        });
      },
      { timeout: 10_000, interval: 500 },
    );
    expect(running!.resources!.rss_bytes).toBeGreaterThan(10 * 2 ** 20);
    expect(running!.resources!.uptime_seconds).toBeGreaterThanOrEqual(0);
    const list = (await (await s.api('/api/v1/instances')).json()) as Instance[];
    expect(list.find((i) => i.name === 'watched')?.resources?.rss_bytes).toBeGreaterThan(0);
    expect(list.find((i) => i.name === 'idle')?.resources).toBeNull();
  });

  it('sends resources events every 2 s while the event stream is open', async () => {
    const ac = new AbortController();
    const res = await s.api('/api/v1/events', { signal: ac.signal });
    const reader = res.body!.getReader();
    let text = '';
    const decoder = new TextDecoder();
    try {
      while ((text.match(/event: resources\n/g) ?? []).length < 2) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
    } finally {
      ac.abort();
    }
    const data = /event: resources\nid: \d+\ndata: (.*)\n/.exec(text)![1]!;
    const event = JSON.parse(data) as { instances: Record<string, { cpu_percent: number | null }> };
    expect(Object.keys(event.instances)).toEqual(['watched']);
  });

  it('serves Prometheus metrics behind the management key', async () => {
    expect((await scrape({})).res.status).toBe(401);
    const { res, families } = await scrape();
    expect(res.headers.get('content-type')).toContain('text/plain');
    const family = (name: string) => families.find((f) => f.name === name);
    expect(family('llamactl_instance_up')?.metrics).toEqual(
      expect.arrayContaining([
        { value: '1', labels: { instance: 'watched' } },
        { value: '0', labels: { instance: 'idle' } },
      ]),
    );
    const rss = family('llamactl_instance_resident_memory_bytes')!.metrics;
    expect(Number(rss.find((m) => m.labels?.instance === 'watched')!.value)).toBeGreaterThan(0);
    for (const name of [
      'llamactl_requests_total',
      'llamactl_request_duration_seconds',
      'llamactl_time_to_first_byte_seconds',
      'llamactl_tokens_total',
      'llamactl_instance_restarts_total',
      'llamactl_download_bytes_total',
      'process_cpu_user_seconds_total',
    ])
      expect(family(name), name).toBeDefined();
  });

  it('opens /metrics without a key to this machine only when metrics.public is on', async () => {
    const open = await startTestServer({ config: { metrics: { public: true } } });
    try {
      expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
    } finally {
      await open.close();
    }
  });

  it('describes the machine: CPUs, memory and GPUs', async () => {
    const res = await s.api('/api/v1/system/resources');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      cpu: { count: number };
      memory: { total_bytes: number; available_bytes: number };
      gpus: unknown[];
    };
    expect(body.cpu.count).toBe(os.cpus().length);
    expect(body.memory.total_bytes).toBe(os.totalmem());
    expect(body.memory.available_bytes).toBeGreaterThan(0);
    expect(Array.isArray(body.gpus)).toBe(true);
  });

  it('records each request through /v1 with its key name, status, timings and tokens, on /api/v1/activity and /metrics', async () => {
    const created = await s.api('/api/v1/auth/keys', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'notebook', permission_mode: 'allow_all' }),
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const counter = async () =>
      Number(
        (await scrape()).families
          .find((f) => f.name === 'llamactl_requests_total')
          ?.metrics.find(
            (m) =>
              m.labels?.instance === 'watched' &&
              m.labels?.route === '/v1/chat/completions' &&
              m.labels?.status === '200',
          )?.value ?? 0,
      );
    const before = await counter();
    const chat = (stream: boolean) =>
      fetch(`${s.url}/v1/chat/completions?api_key=${key}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          model: 'watched',
          stream,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
    const plain = await chat(false);
    expect(plain.status).toBe(200);
    await plain.text();
    const streamed = await chat(true);
    expect(streamed.status).toBe(200);
    await streamed.text();

    let records: ActivityRecord[] = [];
    await vi.waitFor(async () => {
      records = (await (
        await s.api('/api/v1/activity?instance=watched&limit=2')
      ).json()) as ActivityRecord[];
      expect(records).toHaveLength(2);
    });
    // newest first: the streamed answer, then the plain one
    for (const r of records) {
      expect(r).toMatchObject({
        instance: 'watched',
        model: 'watched',
        key_name: 'notebook',
        route: '/v1/chat/completions', // the query (and its api_key) is not kept
        method: 'POST',
        status: 200,
        prompt_tokens: 3,
        completion_tokens: 6,
      });
      expect(r.duration_ms).toBeGreaterThan(0);
      expect(r.ttfb_ms).not.toBeNull();
      expect(r.ttfb_ms!).toBeLessThanOrEqual(r.duration_ms);
      expect(r.request_id).toMatch(/^req_[0-9a-f]{32}$/); // the x-request-id the client got
    }
    expect(records[0]!.id).toBeGreaterThan(records[1]!.id);
    expect(JSON.stringify(records)).not.toContain(key);
    expect(await counter()).toBe(before + 2);

    const bad = await s.api('/api/v1/activity?limit=0');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { details?: string; error?: string }).details ?? '').toContain(
      'limit',
    );
  });

  it('records a request refused because its instance is not running, with the status it got', async () => {
    await createInstance(s, 'parked', {
      backend_options: { model: modelFile('p.gguf') },
      on_demand_start: false,
    });
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${s.mgmtKey}` },
      body: JSON.stringify({ model: 'parked', messages: [] }),
    });
    expect(res.status).toBe(503);
    await res.text();
    await vi.waitFor(async () => {
      const [r] = (await (
        await s.api('/api/v1/activity?instance=parked')
      ).json()) as ActivityRecord[];
      expect(r).toMatchObject({ status: 503, key_name: 'management', ttfb_ms: null });
    });
  });

  it('stops and resumes recording at run time, from the next request on', async () => {
    const chat = async () => {
      const res = await fetch(`${s.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${s.mgmtKey}` },
        body: JSON.stringify({ model: 'watched', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      await res.text();
    };
    const newest = async () =>
      (
        (await (
          await s.api('/api/v1/activity?instance=watched&limit=1')
        ).json()) as ActivityRecord[]
      )[0]?.id;
    await chat();
    const before = await newest();
    s.services.observability.setRecording(false);
    try {
      await chat();
      expect(await newest()).toBe(before);
    } finally {
      s.services.observability.setRecording(true);
    }
    await chat();
    expect(await newest()).toBe(before! + 1);
  });

  it('records nothing, neither activity nor request metrics, with metrics.activity_size 0', async () => {
    const off = await startTestServer({ config: { metrics: { activity_size: 0 } } });
    try {
      off.services.observability.setRecording(true); // no ring to record into: stays off
      await createInstance(off, 'parked', {
        backend_options: { model: modelFile('p.gguf') },
        on_demand_start: false,
      });
      const res = await fetch(`${off.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${off.mgmtKey}` },
        body: JSON.stringify({ model: 'parked', messages: [] }),
      });
      expect(res.status).toBe(503);
      await res.text();
      // A request is recorded as its response ends, in the same turn of the server's event loop:
      // it would be in the ring before the next request is read.
      const list = await off.api('/api/v1/activity?limit=5');
      expect(list.status).toBe(200);
      expect(await list.json()).toEqual([]);
      const text = await (
        await fetch(`${off.url}/metrics`, { headers: { Authorization: `Bearer ${off.mgmtKey}` } })
      ).text();
      expect(text).not.toMatch(/^llamactl_requests_total\{/m);
    } finally {
      await off.close();
    }
  });
  it('publishes no activity event per request while only the server itself listens, and does once an event stream opens', async () => {
    // The server's own listeners (metrics, start back-off) take no activity events: a server
    // nobody watches records requests without building an event for each.
    expect(s.services.events.wantsActivity()).toBe(false);
    const ac = new AbortController();
    const res = await fetch(`${s.url}/api/v1/events`, {
      headers: { Authorization: `Bearer ${s.mgmtKey}` },
      signal: ac.signal,
    });
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(s.services.events.wantsActivity()).toBe(true));
    ac.abort();
    await vi.waitFor(() => expect(s.services.events.wantsActivity()).toBe(false));
  });
});
