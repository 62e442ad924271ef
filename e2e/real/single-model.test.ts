import OpenAI from 'openai';
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
      // Embeddings on (mean pooling) so /v1/embeddings is served too; chat works alongside.
      { model: tiny, embedding: true, pooling: 'mean' },
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
    // started with --alias <instance name>: the model the client asked for, not the file path
    expect(body.model).toBe(name);
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

  it('serves completions, embeddings and Anthropic messages through /v1, routed by model', async () => {
    const completion = await json(
      infer('/v1/completions', {
        method: 'POST',
        body: JSON.stringify({ model: name, prompt: 'hello', max_tokens: 4, temperature: 0 }),
      }),
    );
    expect(completion.status, JSON.stringify(completion.body)).toBe(200);
    expect(completion.body.object).toBe('text_completion');
    expect(typeof completion.body.choices[0].text).toBe('string');

    const embedding = await json(
      infer('/v1/embeddings', {
        method: 'POST',
        body: JSON.stringify({ model: name, input: 'hello' }),
      }),
    );
    expect(embedding.status, JSON.stringify(embedding.body)).toBe(200);
    expect(embedding.body.data[0].embedding.length).toBeGreaterThan(0);

    const message = await json(
      infer('/v1/messages', {
        method: 'POST',
        body: JSON.stringify({
          model: name,
          max_tokens: 4,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      }),
    );
    expect(message.status, JSON.stringify(message.body)).toBe(200);
    expect(message.body.type).toBe('message');
    expect(message.body.role).toBe('assistant');
    expect(message.body.usage.output_tokens).toBeGreaterThan(0);

    const counted = await json(
      infer('/v1/messages/count_tokens', {
        method: 'POST',
        body: JSON.stringify({ model: name, messages: [{ role: 'user', content: 'hi' }] }),
      }),
    );
    expect(counted.status, JSON.stringify(counted.body)).toBe(200);
    expect(counted.body.input_tokens).toBeGreaterThan(0);
  });

  it('streams an Anthropic message through /v1 as server-sent events', async () => {
    const res = await infer('/v1/messages', {
      method: 'POST',
      body: JSON.stringify({
        model: name,
        max_tokens: 4,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    expect(text).toContain('event: message_start');
    expect(text).toContain('event: message_stop');
  });

  it('works with the official openai client: models, a chat and a stream', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key });
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain(name);
    const reply = await client.chat.completions.create({
      model: name,
      max_tokens: 4,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(reply.choices[0].message.role).toBe('assistant');
    const stream = await client.chat.completions.create({
      model: name,
      max_tokens: 4,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    let chunks = 0;
    for await (const chunk of stream) if (chunk.object === 'chat.completion.chunk') chunks++;
    expect(chunks).toBeGreaterThan(1);
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
