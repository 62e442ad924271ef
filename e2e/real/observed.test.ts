import Anthropic from '@anthropic-ai/sdk';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { ActivityRecord } from '../../shared/api/activity';
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

// What clients and operators see of the real llama-server through our server: the official
// SDKs' request ids and retries (issue 21), and activity, resources and metrics (issue 19).

type Family = { name: string; metrics: { value: string; labels?: Record<string, string> }[] };

describe('the real llama-server, observed', () => {
  let server: TestServer;
  let work: string;
  let key: string;

  beforeAll(async () => {
    work = makeWorkDir('observed');
    const { tiny } = writeTinyModels(work, ['tiny']);
    // a file that exists but is no model: llama-server starts, fails to load it and exits
    const junk = join(work, 'junk.gguf');
    writeFileSync(junk, 'this is not a GGUF file\n');
    server = await startRealServer({ instances: { failed_start_backoff: 0 } });
    key = await createInferenceKey(server, 'observer');
    await createLlamaInstance(server, 'tiny', { model: tiny }, { idle_timeout: 0 });
    await createLlamaInstance(
      server,
      'junk',
      { model: junk },
      { auto_restart: false, max_restarts: 0 },
    );
  });

  afterAll(async () => {
    await server?.close();
    if (work) {
      expect(llamaServers(work)).toEqual([]);
      removeWorkDir(work);
    }
  });

  const scrape = async (): Promise<Family[]> => {
    const res = await server.api('/metrics');
    expect(res.status).toBe(200);
    return parsePrometheusTextFormat(await res.text()) as Family[];
  };
  const requestsCounted = (families: Family[]) =>
    families
      .find((f) => f.name === 'llamactl_requests_total')
      ?.metrics.filter(
        (m) => m.labels?.instance === 'tiny' && m.labels?.route === '/v1/chat/completions',
      )
      .reduce((sum, m) => sum + Number(m.value), 0) ?? 0;

  it('answers the openai client, records the chat with its tokens, and counts exactly the requests sent', async () => {
    const before = requestsCounted(await scrape());
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key });
    const { data, response } = await client.chat.completions
      .create({ model: 'tiny', max_tokens: 8, messages: [{ role: 'user', content: 'Hello' }] })
      .withResponse();
    expect(data.model).toBe('tiny'); // --alias: no local path leaks
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^req_/);
    const stream = await client.chat.completions.create({
      model: 'tiny',
      max_tokens: 8,
      stream: true,
      messages: [{ role: 'user', content: 'Hello again' }],
    });
    for await (const _chunk of stream) void _chunk;

    let records: ActivityRecord[] = [];
    await vi.waitFor(async () => {
      records = (await json<ActivityRecord[]>(server.api('/api/v1/activity?instance=tiny'))).body;
      expect(records.filter((r) => r.route === '/v1/chat/completions')).toHaveLength(2);
    });
    const [streamed, plain] = records;
    expect(plain).toMatchObject({ key_name: 'observer', status: 200, request_id: requestId });
    for (const r of [plain!, streamed!]) {
      expect(r.prompt_tokens).toBeGreaterThan(0);
      expect(r.completion_tokens).toBeGreaterThan(0);
      expect(r.tokens_per_second).toBeGreaterThan(0);
    }
    expect(requestsCounted(await scrape())).toBe(before + 2);
  });

  it('shows the running instance’s memory and CPU in its JSON and on /metrics', async () => {
    await vi.waitFor(
      async () => {
        const inst = (await json<Instance>(server.api('/api/v1/instances/tiny'))).body;
        expect(inst.resources?.rss_bytes).toBeGreaterThan(0);
        expect(inst.resources?.cpu_percent).not.toBeNull();
      },
      { timeout: 15_000, interval: 1_000 },
    );
    const rss = (await scrape())
      .find((f) => f.name === 'llamactl_instance_resident_memory_bytes')
      ?.metrics.find((m) => m.labels?.instance === 'tiny');
    expect(Number(rss?.value)).toBeGreaterThan(0);
  });

  it('lets neither SDK retry a start that fails: one llama-server per request', async () => {
    const starts = () =>
      (
        readFileSync(server.services.instances.logFile('junk'), 'utf8').match(
          /=== Instance junk started at/g,
        ) ?? []
      ).length;
    const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 3 });
    const err = await openai.chat.completions
      .create({ model: 'junk', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).requestID).toMatch(/^req_/);
    expect(starts()).toBe(1);

    const anthropic = new Anthropic({ baseURL: server.url, apiKey: key, maxRetries: 3 });
    const aerr = await anthropic.messages
      .create({ model: 'junk', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(aerr).toBeInstanceOf(Anthropic.InternalServerError);
    expect((aerr as InstanceType<typeof Anthropic.APIError>).requestID).toMatch(/^req_/);
    expect(starts()).toBe(2);
  });
});
