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

// Minutes, as llamactl counts them; fractions are accepted, which keeps this test short.
const IDLE_TIMEOUT_MIN = 0.1; // 6 s
const CHECK_INTERVAL_MIN = 0.01; // 0.6 s

describe('idle timeout and on-demand start with the real llama-server', () => {
  let server: TestServer;
  let work: string;
  let key: string;
  const name = 'sleepy';

  const instance = async () => (await json<Instance>(server.api(`/api/v1/instances/${name}`))).body;

  beforeAll(async () => {
    work = makeWorkDir('idle');
    const { tiny } = writeTinyModels(work, ['tiny']);
    server = await startRealServer({ instances: { timeout_check_interval: CHECK_INTERVAL_MIN } });
    key = await createInferenceKey(server);
    const created = await createLlamaInstance(
      server,
      name,
      { model: tiny },
      {
        idle_timeout: IDLE_TIMEOUT_MIN,
        on_demand_start: true,
        auto_restart: false,
      },
    );
    expect(created.options.idle_timeout).toBe(IDLE_TIMEOUT_MIN);
  });

  afterAll(async () => {
    await server?.close();
    if (work) {
      expect(llamaServers(work)).toEqual([]);
      removeWorkDir(work);
    }
  });

  it('stops a running instance that received no request for idle_timeout', async () => {
    expect((await server.api(`/api/v1/instances/${name}/start`, { method: 'POST' })).status).toBe(
      200,
    );
    await expect
      .poll(async () => (await instance()).health, { timeout: 60_000, interval: 200 })
      .toBe('ready');
    expect(llamaServers(work)).toHaveLength(1);

    await expect
      .poll(async () => (await instance()).status, { timeout: 60_000, interval: 250 })
      .toBe('stopped');
    await expect.poll(() => llamaServers(work), { timeout: 30_000 }).toEqual([]);
  });

  it('starts the stopped instance again on the next /v1 request and answers it', async () => {
    expect((await instance()).status).toBe('stopped');
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        model: name,
        messages: [{ role: 'user', content: 'wake up' }],
        max_tokens: 4,
      }),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.object).toBe('chat.completion');
    expect(llamaServers(work)).toHaveLength(1);
    // And, left alone again, it goes back to sleep.
    await expect
      .poll(async () => (await instance()).status, { timeout: 60_000, interval: 250 })
      .toBe('stopped');
  });
});
