import type { Instance } from '../../shared/api/instances';
import type { TestServer } from '../../main/testing/test-server';
import {
  createInferenceKey,
  createLlamaInstance,
  json,
  llamaServers,
  makeWorkDir,
  readSse,
  removeWorkDir,
  startRealServer,
  writeTinyModels,
} from './helpers';

describe('a single-model instance of the real llama-server', () => {
  let server: TestServer;
  let work: string;
  let key: string;
  const name = 'tiny';

  const instance = async () => (await json<Instance>(server.api(`/api/v1/instances/${name}`))).body;
  const infer = (path: string, init: RequestInit = {}) =>
    fetch(server.url + path, {
      ...init,
      headers: {
        Authorization: `Bearer ${key}`,
        'Content-Type': 'application/json',
        ...(init.headers as Record<string, string>),
      },
    });

  beforeAll(async () => {
    work = makeWorkDir('single');
    const { tiny } = writeTinyModels(work, ['tiny']);
    server = await startRealServer();
    key = await createInferenceKey(server);
    const created = await createLlamaInstance(
      server,
      name,
      { model: tiny },
      { auto_restart: false, idle_timeout: 0 },
    );
    expect(created.status).toBe('stopped');
  });

  afterAll(async () => {
    await server?.close();
    if (work) {
      // Closing the server stops the instance; nothing may outlive it.
      expect(llamaServers(work)).toEqual([]);
      removeWorkDir(work);
    }
  });

  it('starts and becomes ready once llama-server has loaded the model', async () => {
    const started = await json<Instance>(
      server.api(`/api/v1/instances/${name}/start`, { method: 'POST' }),
    );
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect(started.body.status).toBe('running');
    await expect
      .poll(async () => (await instance()).health, { timeout: 60_000, interval: 200 })
      .toBe('ready');
    expect(llamaServers(work)).toHaveLength(1);
  });

  it('answers a chat completion through /v1 with an inference key', async () => {
    const { status, body } = await json(
      infer('/v1/chat/completions', {
        method: 'POST',
        body: JSON.stringify({
          model: name,
          messages: [{ role: 'user', content: 'say hello\nplease' }],
          max_tokens: 8,
          temperature: 0,
        }),
      }),
    );
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].message.role).toBe('assistant');
    expect(typeof body.choices[0].message.content).toBe('string');
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    expect(body.timings).toBeDefined();
  });

  it('streams a chat completion through /v1 as server-sent chunks', async () => {
    const res = await infer('/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify({
        model: name,
        messages: [{ role: 'user', content: 'count' }],
        max_tokens: 8,
        stream: true,
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readSse(res);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
  });

  it('refuses /v1 without a key', async () => {
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: name, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(401);
  });

  it('lists the instance in /v1/models', async () => {
    const { status, body } = await json(infer('/v1/models'));
    expect(status).toBe(200);
    expect(body.object).toBe('list');
    expect(body.data.map((m: { id: string }) => m.id)).toContain(name);
  });

  it("serves llama.cpp's own web page and its assets under /llama-cpp/{name}/", async () => {
    const page = await fetch(`${server.url}/llama-cpp/${name}/`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(html.toLowerCase()).toContain('<html');
    // Assets are referenced relative to the page, so they resolve under the same prefix.
    const assets = [...html.matchAll(/(?:src|href)="(\.?\/?[^"#?:]+\.(?:js|css))"/g)]
      .map((m) => m[1])
      .filter((p) => !p.startsWith('//'));
    const script = assets.find((p) => p.endsWith('.js'));
    expect(script, 'the page references no local script').toBeDefined();
    for (const path of new Set([
      script!,
      ...assets.filter((p) => p.endsWith('.css')).slice(0, 1),
    ])) {
      const asset = await fetch(new URL(path, `${server.url}/llama-cpp/${name}/`));
      expect(asset.status, path).toBe(200);
      expect(asset.headers.get('content-type'), path).toMatch(
        path.endsWith('.js') ? /javascript/ : /text\/css/,
      );
      expect((await asset.arrayBuffer()).byteLength, path).toBeGreaterThan(0);
    }
  });

  it('stops, and no llama-server of it is left', async () => {
    const stopped = await json<Instance>(
      server.api(`/api/v1/instances/${name}/stop`, { method: 'POST' }),
    );
    expect(stopped.status).toBe(200);
    expect(stopped.body.status).toBe('stopped');
    await expect.poll(() => llamaServers(work), { timeout: 30_000 }).toEqual([]);
    expect((await instance()).health).toBe('stopped');
  });
});
