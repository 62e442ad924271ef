import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeHub, tinyGguf } from '../../e2e/fixtures/fake-hub';
import type { InstanceEvent } from '../../shared/api/events';
import type { Instance } from '../../shared/api/instances';
import type { CachedModel, DownloadJob } from '../../shared/api/models';
import type { NodesResponse } from '../../shared/api/nodes';
import { FAKE_BACKEND, modelFile, testPortRange } from '../instances/test-helpers';
import { startTestServer, TEST_MGMT_KEY, type TestServer } from '../testing/test-server';

/** The worker's own management key, given to the main server as the node's api_key. */
const WORKER_KEY = 'llamactl-worker-node-key-1111111111111111111111111111111111111111111111';
const JSON_HEADERS = { 'Content-Type': 'application/json' };
const REMOTE_MODEL = modelFile('remote.gguf');

function post(s: TestServer, path: string, body?: unknown): Promise<Response> {
  return s.api(path, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function json<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

function startWorker(slot: number, cacheDir: string): Promise<TestServer> {
  return startTestServer({
    config: {
      auth: { management_keys: [TEST_MGMT_KEY, WORKER_KEY] },
      instances: { port_range: testPortRange(slot) },
      backends: { 'llama-cpp': { cache_dir: cacheDir } },
    },
  });
}

function startMain(slot: number, workerUrl: string, cacheDir: string): Promise<TestServer> {
  return startTestServer({
    config: {
      instances: { port_range: testPortRange(slot) },
      backends: { 'llama-cpp': { cache_dir: cacheDir } },
      nodes: {
        worker: {
          address: workerUrl,
          api_key: WORKER_KEY,
          timeout: '500ms',
          poll_interval: '200ms',
        },
      },
    },
  });
}

function remoteBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    backend_type: 'llama_cpp',
    command_override: FAKE_BACKEND,
    backend_options: { model: REMOTE_MODEL },
    nodes: ['worker'],
    ...extra,
  };
}

async function waitHealth(s: TestServer, name: string, health: string): Promise<Instance> {
  return vi.waitFor(
    async () => {
      const inst = await json<Instance>(await s.api(`/api/v1/instances/${name}`));
      if (inst.health !== health) throw new Error(`${name} is ${inst.health}`);
      return inst;
    },
    { timeout: 15_000, interval: 100 },
  );
}

const saved = { ...process.env };

describe('remote nodes: two servers on 127.0.0.1', () => {
  const hub = new FakeHub();
  let worker: TestServer;
  let main: TestServer;
  let workerCache: string;
  let mainCache: string;

  beforeAll(async () => {
    await hub.start();
    process.env.HF_ENDPOINT = hub.url;
    for (const v of ['LLAMA_CACHE', 'LLAMACTL_LLAMACPP_CACHE_DIR', 'HF_TOKEN'])
      delete process.env[v];
    workerCache = mkdtempSync(join(tmpdir(), 'llamactl-worker-cache-'));
    mainCache = mkdtempSync(join(tmpdir(), 'llamactl-main-cache-'));
    worker = await startWorker(41, workerCache);
    main = await startMain(42, worker.url, mainCache);
  });

  afterAll(async () => {
    await main?.close();
    await worker?.close();
    await hub.close();
    rmSync(workerCache, { recursive: true, force: true });
    rmSync(mainCache, { recursive: true, force: true });
    process.env = saved;
  });

  it('lists the nodes with reachability and version, and never their api keys', async () => {
    const nodes = await json<NodesResponse>(await main.api('/api/v1/nodes'));
    expect(Object.keys(nodes)).toEqual(['main', 'worker']);
    expect(nodes.main).toMatchObject({ address: '', local: true, reachable: true });
    expect(nodes.worker).toMatchObject({ address: worker.url, local: false, reachable: true });
    expect(typeof nodes.worker.version).toBe('string');
    const one = await main.api('/api/v1/nodes/worker');
    expect(await one.text()).not.toContain(WORKER_KEY);
    expect(JSON.stringify(nodes)).not.toContain(WORKER_KEY);
    expect(await (await main.api('/api/v1/config')).text()).not.toContain(WORKER_KEY);
    const unknown = await main.api('/api/v1/nodes/nope');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'not_found', details: 'Node not found' });
  });

  it('creates, starts, uses, reads logs of, stops and deletes an instance on the worker', async () => {
    const created = await json<Instance>(
      await post(main, '/api/v1/instances/remote-a', remoteBody()),
      201,
    );
    expect(created).toMatchObject({ name: 'remote-a', node: 'worker', status: 'stopped' });
    expect(created.options.nodes).toEqual(['worker']);
    // It lives on the worker, as a local instance there.
    const onWorker = await json<Instance>(await worker.api('/api/v1/instances/remote-a'));
    expect(onWorker.node).toBe('main');
    expect(onWorker.options.nodes).toBeUndefined();
    expect(main.services.instances.find('remote-a')).toBeUndefined();

    const started = await json<Instance>(await post(main, '/api/v1/instances/remote-a/start'));
    expect(started.status).toBe('running');
    await waitHealth(main, 'remote-a', 'ready');

    const list = await json<Instance[]>(await main.api('/api/v1/instances'));
    expect(list.find((i) => i.name === 'remote-a')).toMatchObject({
      node: 'worker',
      status: 'running',
    });

    // /v1 routing by model name, answered by the backend on the worker.
    const chat = await fetch(`${main.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, Authorization: `Bearer ${main.mgmtKey}` },
      body: JSON.stringify({ model: 'remote-a', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const reply = await json<{ choices: { message: { content: string } }[] }>(chat);
    expect(reply.choices[0].message.content).toContain(`fake reply from ${REMOTE_MODEL}`);

    // Streaming across the hop: several SSE events, ending with [DONE].
    const stream = await fetch(`${main.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, Authorization: `Bearer ${main.mgmtKey}` },
      body: JSON.stringify({
        model: 'remote-a',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const text = await stream.text();
    expect(text.match(/^data: /gm)?.length).toBeGreaterThan(3);
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);

    // /llama-cpp/{name}/… and the instance proxy reach the backend on the worker.
    const props = await fetch(`${main.url}/llama-cpp/remote-a/props`, {
      headers: { Authorization: `Bearer ${main.mgmtKey}` },
    });
    expect((await json<{ build_info: string }>(props)).build_info).toBe('fake-backend');
    const health = await main.api('/api/v1/instances/remote-a/proxy/health');
    expect(health.status).toBe(200);

    const logs = await main.api('/api/v1/instances/remote-a/logs?lines=50');
    expect(logs.status).toBe(200);
    expect(await logs.text()).toContain('fake-backend: listening on');
    // The live log stream (the dashboard's log viewer) comes from the node.
    const ac = new AbortController();
    const live = await main.api('/api/v1/instances/remote-a/logs/stream?lines=20', {
      signal: ac.signal,
    });
    expect(live.headers.get('content-type')).toContain('text/event-stream');
    const reader = live.body!.getReader();
    let seen = '';
    while (!seen.includes('listening on')) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    ac.abort();
    expect(seen).toContain('data: ');
    expect(seen).toContain('listening on');

    const stopped = await json<Instance>(await post(main, '/api/v1/instances/remote-a/stop'));
    expect(stopped.status).toBe('stopped');
    expect((await json<Instance>(await worker.api('/api/v1/instances/remote-a'))).status).toBe(
      'stopped',
    );

    expect((await main.api('/api/v1/instances/remote-a', { method: 'DELETE' })).status).toBe(204);
    expect((await worker.api('/api/v1/instances/remote-a')).status).toBe(404);
    expect((await main.api('/api/v1/instances/remote-a')).status).toBe(404);
  });

  it('updates a remote instance on its node and keeps its placement', async () => {
    await json<Instance>(await post(main, '/api/v1/instances/remote-u', remoteBody()), 201);
    const res = await main.api('/api/v1/instances/remote-u', {
      method: 'PUT',
      headers: JSON_HEADERS,
      body: JSON.stringify({ ...remoteBody({ nodes: undefined }), idle_timeout: 7 }),
    });
    const updated = await json<Instance>(res);
    expect(updated.options.idle_timeout).toBe(7);
    expect(updated.options.nodes).toEqual(['worker']);
    expect(
      (await json<Instance>(await worker.api('/api/v1/instances/remote-u'))).options.idle_timeout,
    ).toBe(7);
    expect((await main.api('/api/v1/instances/remote-u', { method: 'DELETE' })).status).toBe(204);
  });

  it('lists remote instances and the models of remote router-mode instances in /v1/models', async () => {
    await json<Instance>(
      await post(main, '/api/v1/instances/remote-router', {
        backend_type: 'llama_cpp',
        command_override: FAKE_BACKEND,
        nodes: ['worker'],
        environment: { FAKE_MODELS: 'alpha,beta' },
      }),
      201,
    );
    await json<Instance>(await post(main, '/api/v1/instances/remote-router/start'));
    await waitHealth(main, 'remote-router', 'ready');
    const models = await json<{ data: { id: string; owned_by: string }[] }>(
      await fetch(`${main.url}/v1/models`, {
        headers: { Authorization: `Bearer ${main.mgmtKey}` },
      }),
    );
    const ids = models.data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['remote-router/alpha', 'remote-router/beta']));
    expect(ids).not.toContain('remote-router');

    // Router-mode model management on the management API reaches the backend on the worker.
    const list = await json<{ data: { id: string }[] }>(
      await main.api('/api/v1/llama-cpp/remote-router/models'),
    );
    expect(list.data.map((m) => m.id).sort()).toEqual(['alpha', 'beta']);
    const load = await post(main, '/api/v1/llama-cpp/remote-router/models/alpha/load', {});
    expect(load.status).toBe(200);

    // instance/model routing goes to the router on the worker with the model part intact.
    const chat = await fetch(`${main.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, Authorization: `Bearer ${main.mgmtKey}` },
      body: JSON.stringify({
        model: 'remote-router/beta',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect((await json<{ model: string }>(chat)).model).toBe('beta');

    await post(main, '/api/v1/instances/remote-router/stop');
    expect((await main.api('/api/v1/instances/remote-router', { method: 'DELETE' })).status).toBe(
      204,
    );
  });

  it('refuses name collisions, several nodes and unknown nodes with clear errors', async () => {
    await json<Instance>(
      await post(main, '/api/v1/instances/local-one', {
        backend_type: 'llama_cpp',
        command_override: FAKE_BACKEND,
      }),
      201,
    );
    const dupRemote = await post(main, '/api/v1/instances/local-one', remoteBody());
    expect(dupRemote.status).toBe(409);
    expect((await dupRemote.json()).error).toBe('instance_exists');

    await json<Instance>(
      await post(worker, '/api/v1/instances/taken-there', {
        backend_type: 'llama_cpp',
        command_override: FAKE_BACKEND,
      }),
      201,
    );
    const taken = await post(main, '/api/v1/instances/taken-there', remoteBody());
    expect(taken.status).toBe(409);
    expect((await taken.json()).details).toContain('node worker');
    expect((await main.api('/api/v1/instances/taken-there')).status).toBe(404);

    await json<Instance>(await post(main, '/api/v1/instances/remote-b', remoteBody()), 201);
    const dupLocal = await post(main, '/api/v1/instances/remote-b', {
      backend_type: 'llama_cpp',
      command_override: FAKE_BACKEND,
    });
    expect(dupLocal.status).toBe(409);

    const several = await post(
      main,
      '/api/v1/instances/two-nodes',
      remoteBody({ nodes: ['worker', 'main'] }),
    );
    expect(several.status).toBe(400);
    expect((await several.json()).details).toMatch(/^nodes: an instance lives on exactly one node/);

    const unknown = await post(main, '/api/v1/instances/nowhere', remoteBody({ nodes: ['nope'] }));
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).details).toContain('unknown node "nope"');

    // The node forgot the instance: a clear 404 naming the node on use, and delete still works.
    expect((await worker.api('/api/v1/instances/remote-b', { method: 'DELETE' })).status).toBe(204);
    const start = await post(main, '/api/v1/instances/remote-b/start');
    expect(start.status).toBe(404);
    expect((await start.json()).details).toContain('node worker');
    await vi.waitFor(async () => {
      const inst = await json<Instance>(await main.api('/api/v1/instances/remote-b'));
      expect(inst.node_error).toContain('does not exist on node worker');
    });
    expect((await main.api('/api/v1/instances/remote-b', { method: 'DELETE' })).status).toBe(204);
    expect((await main.api('/api/v1/instances/remote-b')).status).toBe(404);
  });

  it('checks per-instance inference keys of the main server against remote instances', async () => {
    const inst = await json<Instance>(
      await post(main, '/api/v1/instances/remote-k', remoteBody({ on_demand_start: true })),
      201,
    );
    const other = await json<Instance>(
      await post(main, '/api/v1/instances/remote-k2', remoteBody({ on_demand_start: true })),
      201,
    );
    const keyFor = async (id: number) =>
      (
        await json<{ key: string }>(
          await post(main, '/api/v1/auth/keys', {
            name: `k${id}`,
            permission_mode: 'per_instance',
            instance_ids: [id],
          }),
          201,
        )
      ).key;
    const key = await keyFor(inst.id);
    const chat = (model: string) =>
      fetch(`${main.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...JSON_HEADERS, Authorization: `Bearer ${key}` },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
    // Started on demand by the worker itself when the forwarded request arrives.
    expect((await chat('remote-k')).status).toBe(200);
    expect((await chat('remote-k2')).status).toBe(403);
    const models = await json<{ data: { id: string }[] }>(
      await fetch(`${main.url}/v1/models`, { headers: { Authorization: `Bearer ${key}` } }),
    );
    expect(models.data.map((m) => m.id)).toEqual(['remote-k']);
    for (const i of [inst, other]) {
      await post(main, `/api/v1/instances/${i.name}/stop`);
      expect((await main.api(`/api/v1/instances/${i.name}`, { method: 'DELETE' })).status).toBe(
        204,
      );
    }
  });

  it('publishes changes made on the worker itself on the main server event stream', async () => {
    await json<Instance>(await post(main, '/api/v1/instances/remote-ev', remoteBody()), 201);
    const seen: InstanceEvent[] = [];
    const unsubscribe = main.services.events.subscribe(
      (e) => e.type === 'instance' && e.name === 'remote-ev' && seen.push(e),
    );
    try {
      expect((await post(worker, '/api/v1/instances/remote-ev/start')).status).toBe(200);
      await vi.waitFor(
        () =>
          expect(
            seen.some((e) => e.instance?.status === 'running' && e.instance.node === 'worker'),
          ).toBe(true),
        {
          timeout: 10_000,
        },
      );
    } finally {
      unsubscribe();
    }
    await post(main, '/api/v1/instances/remote-ev/stop');
    expect((await main.api('/api/v1/instances/remote-ev', { method: 'DELETE' })).status).toBe(204);
  });

  it('forwards model downloads and jobs with ?node= and aggregates the cache of every node', async () => {
    hub.addRepo('org/Node-GGUF', [{ path: 'Node-Q4_K_M.gguf', content: tinyGguf() }]);
    const accepted = await json<{ job_id: string }>(
      await post(main, '/api/v1/models/download?node=worker', { repo: 'org/Node-GGUF:Q4_K_M' }),
      202,
    );
    // The job lives on the worker, not here.
    expect((await main.api(`/api/v1/models/jobs/${accepted.job_id}`)).status).toBe(404);
    const job = await vi.waitFor(
      async () => {
        const j = await json<DownloadJob>(
          await main.api(`/api/v1/models/jobs/${accepted.job_id}?node=worker`),
        );
        if (j.status !== 'completed') throw new Error(`job is ${j.status}`);
        return j;
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(job.repo).toBe('org/Node-GGUF');

    const onWorker = await json<CachedModel[]>(await main.api('/api/v1/models?node=worker'));
    expect(onWorker.map((m) => m.repo)).toContain('org/Node-GGUF');
    const localOnly = await json<CachedModel[]>(await main.api('/api/v1/models?node=main'));
    expect(localOnly.map((m) => m.repo)).not.toContain('org/Node-GGUF');
    const all = await json<CachedModel[]>(await main.api('/api/v1/models'));
    expect(all.find((m) => m.repo === 'org/Node-GGUF')).toMatchObject({
      node: 'worker',
      tag: 'Q4_K_M',
    });

    const del = await main.api('/api/v1/models?node=worker&repo=org/Node-GGUF&tag=Q4_K_M', {
      method: 'DELETE',
    });
    expect(del.status).toBe(204);
    expect(
      (await json<CachedModel[]>(await worker.api('/api/v1/models'))).map((m) => m.repo),
    ).not.toContain('org/Node-GGUF');

    const unknownNode = await main.api('/api/v1/models?node=nope');
    expect(unknownNode.status).toBe(404);
  });
});

describe('remote nodes: a node that goes down', () => {
  let worker: TestServer;
  let main: TestServer;
  let cache: string;

  beforeAll(async () => {
    cache = mkdtempSync(join(tmpdir(), 'llamactl-down-cache-'));
    worker = await startWorker(43, cache);
    main = await startMain(44, worker.url, cache);
    await json<Instance>(
      await post(main, '/api/v1/instances/on-worker', remoteBody({ on_demand_start: true })),
      201,
    );
    await worker.close();
  });

  afterAll(async () => {
    await main?.close();
    rmSync(cache, { recursive: true, force: true });
  });

  it('still lists its instances, marked unreachable with a reason naming the node', async () => {
    const list = await json<Instance[]>(await main.api('/api/v1/instances'));
    const inst = list.find((i) => i.name === 'on-worker');
    expect(inst).toMatchObject({ node: 'worker', unreachable: true });
    expect(inst?.node_error).toContain('node worker');
    const nodes = await json<NodesResponse>(await main.api('/api/v1/nodes'));
    expect(nodes.worker).toMatchObject({ reachable: false });
    expect(nodes.worker.error).toContain('node worker');
  });

  it('answers requests for its instances with 502 naming the node', async () => {
    const start = await post(main, '/api/v1/instances/on-worker/start');
    expect(start.status).toBe(502);
    expect(await start.json()).toMatchObject({ error: 'node_unreachable' });

    const chat = await fetch(`${main.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, Authorization: `Bearer ${main.mgmtKey}` },
      body: JSON.stringify({ model: 'on-worker', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(502);
    const body = (await chat.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe('node_unreachable');
    expect(body.error.message).toContain('node worker');

    const models = await fetch(`${main.url}/v1/models`, {
      headers: { Authorization: `Bearer ${main.mgmtKey}` },
    });
    expect(models.status).toBe(200);
    const listing = await main.api('/api/v1/models');
    expect(listing.status).toBe(200);
  });

  it('keeps the record on a plain delete and forgets it with local_only=true', async () => {
    const del = await main.api('/api/v1/instances/on-worker', { method: 'DELETE' });
    expect(del.status).toBe(502);
    expect((await del.json()).details).toContain('local_only=true');
    expect((await main.api('/api/v1/instances/on-worker')).status).toBe(200);
    expect(
      (await main.api('/api/v1/instances/on-worker?local_only=true', { method: 'DELETE' })).status,
    ).toBe(204);
    expect((await main.api('/api/v1/instances/on-worker')).status).toBe(404);
    expect(
      main.services.db
        .prepare('SELECT COUNT(*) AS n FROM instances WHERE name = ?')
        .get('on-worker'),
    ).toEqual({ n: 0 });
  });
});
