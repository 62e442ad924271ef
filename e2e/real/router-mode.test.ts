import type { Instance } from '../../shared/api/instances';
import type { TestServer } from '../../main/testing/test-server';
import {
  createInferenceKey,
  createLlamaInstance,
  json,
  llamaServers,
  makeWorkDir,
  removeWorkDir,
  startRealServer,
  writeTinyModels,
} from './helpers';

interface RouterModel {
  id: string;
  status: { value: string };
}

describe('a router-mode instance of the real llama-server', () => {
  let server: TestServer;
  let work: string;
  let key: string;
  const name = 'router';

  const models = async () => {
    const { status, body } = await json<{ data: RouterModel[] }>(
      server.api(`/api/v1/llama-cpp/${name}/models`),
    );
    expect(status, JSON.stringify(body)).toBe(200);
    return body.data;
  };
  const modelStatus = async (id: string) => (await models()).find((m) => m.id === id)?.status.value;
  const manage = (model: string, action: 'load' | 'unload') =>
    json(
      server.api(`/api/v1/llama-cpp/${name}/models/${model}/${action}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ model }),
      }),
    );

  beforeAll(async () => {
    work = makeWorkDir('router');
    writeTinyModels(work, ['alpha', 'beta']);
    server = await startRealServer();
    key = await createInferenceKey(server);
    await createLlamaInstance(
      server,
      name,
      { models_dir: work },
      { auto_restart: false, idle_timeout: 0 },
    );
  });

  afterAll(async () => {
    await server?.close();
    if (work) {
      // The router and every model child it started are gone with the server.
      expect(llamaServers(work)).toEqual([]);
      removeWorkDir(work);
    }
  });

  it('lists the models of models_dir, starting the instance on demand', async () => {
    const list = await models();
    expect(list.map((m) => m.id).sort()).toEqual(['alpha', 'beta']);
    expect(list.every((m) => m.status.value === 'unloaded')).toBe(true);
    expect((await json<Instance>(server.api(`/api/v1/instances/${name}`))).body.status).toBe(
      'running',
    );
  });

  it('loads a model, which then reports loaded', async () => {
    const loaded = await manage('alpha', 'load');
    expect(loaded.status, JSON.stringify(loaded.body)).toBe(200);
    expect(loaded.body).toMatchObject({ success: true });
    await expect
      .poll(() => modelStatus('alpha'), { timeout: 60_000, interval: 250 })
      .toBe('loaded');
    expect(await modelStatus('beta')).toBe('unloaded');
    // The router plus one child for alpha.
    expect(llamaServers(work)).toHaveLength(2);
  });

  it('answers a chat for "{instance}/{model}" through /v1', async () => {
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        model: `${name}/alpha`,
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 8,
      }),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.object).toBe('chat.completion');
    expect(body.model).toBe('alpha');
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
  });

  it('lists the router models as "{instance}/{model}" in /v1/models', async () => {
    const res = await fetch(`${server.url}/v1/models`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body.data.map((m: { id: string }) => m.id)).toEqual(
      expect.arrayContaining([`${name}/alpha`, `${name}/beta`]),
    );
    expect(body.data.map((m: { id: string }) => m.id)).not.toContain(name);
  });

  it('unloads the model, and its child llama-server exits', async () => {
    const unloaded = await manage('alpha', 'unload');
    expect(unloaded.status, JSON.stringify(unloaded.body)).toBe(200);
    await expect
      .poll(() => modelStatus('alpha'), { timeout: 30_000, interval: 250 })
      .toBe('unloaded');
    await expect.poll(() => llamaServers(work).length, { timeout: 30_000 }).toBe(1);
  });
});
