// Adding a backend is one descriptor plus its option table (docs/backends.md, "Adding a
// backend"). This test registers a fourth, test-only backend whose program is the fake backend
// and drives it through every layer: parse-command on its own route, create with validation
// and normalisation, the dashboard's command preview, start with health polling, inference
// routing with the model name, the instance proxy, stop.
import type { BackendType, Instance } from '../../shared/api/instances';
import { registerBackend } from '../../shared/backends';
import { f } from '../../shared/backends/types';
import { instanceOptionsJsonSchema } from '../../shared/api/instance-schema';
import { FAKE_BACKEND, testPortRange } from '../../main/instances/test-helpers';
import { startTestServer, type TestServer } from '../../main/testing/test-server';
import {
  previewCommand,
  type PreviewConfig,
} from '../../renderer/features/instances/command-preview';
import {
  emptyDraft,
  FALLBACK_DEFAULTS,
  validateDraft,
} from '../../renderer/features/instances/draft';

const TYPE = 'fake_test' as BackendType;

const unregister = registerBackend({
  type: TYPE,
  configKey: 'fake-test',
  routeSegment: 'fake-test',
  executable: FAKE_BACKEND,
  programs: [['fake-backend.mjs']],
  pythonModules: [],
  subcommand: [],
  label: 'Fake (test)',
  description: 'the test fake backend',
  placeholder: 'fake-backend.mjs --model m',
  docker: false,
  positionalModel: false,
  health: { path: '/health' },
  modelOptions: ['model'],
  routerMode: false,
  options: [
    f('model', 'str', 'Model id it reports', { aliases: ['m'], common: true }),
    f('host', 'str', 'Host to listen on'),
    f('port', 'int', 'Port to listen on'),
    f('fake_log_lines', 'int', 'Numbered lines printed at start', { min: 0, max: 1000 }),
  ],
});

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ config: { instances: { port_range: testPortRange(60) } } });
});
afterAll(async () => {
  await s?.close();
  unregister();
});

const json = (method: string, body?: unknown): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  body: body === undefined ? undefined : JSON.stringify(body),
});

describe('a fourth backend registered with one descriptor and its option table', () => {
  it('parses, creates, previews, starts, routes, proxies and stops like the built-in ones', async () => {
    const parsed = await s.api(
      '/api/v1/backends/fake-test/parse-command',
      json('POST', { command: `${FAKE_BACKEND} -m fourth-model --fake-log-lines 2 --extra x` }),
    );
    expect(parsed.status).toBe(200);
    const p = (await parsed.json()) as { backend_type: string; backend_options: object };
    expect(p).toEqual({
      backend_type: TYPE,
      backend_options: { model: 'fourth-model', fake_log_lines: 2, extra_args: { extra: 'x' } },
    });

    const created = await s.api(
      '/api/v1/instances/four',
      json('POST', {
        backend_type: TYPE,
        backend_options: p.backend_options,
        docker_enabled: true,
      }),
    );
    expect(created.status).toBe(201);
    const inst = (await created.json()) as Instance;
    // no docker support: docker_enabled is dropped, as for mlx_lm
    expect(inst.options).not.toHaveProperty('docker_enabled');

    const bad = await s.api(
      '/api/v1/instances/four-bad',
      json('POST', { backend_type: TYPE, backend_options: { fake_log_lines: 'many' } }),
    );
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { details: string }).details).toBe(
      'backend_options.fake_log_lines: must be an integer',
    );

    expect((await s.api('/api/v1/instances/four/start', json('POST'))).status).toBe(200);
    await vi.waitFor(
      async () => {
        const r = (await (await s.api('/api/v1/instances/four')).json()) as Instance;
        expect(r.health).toBe('ready');
      },
      { timeout: 20_000, interval: 50 },
    );

    const chat = await s.api(
      '/v1/chat/completions',
      json('POST', { model: 'four', messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(chat.status).toBe(200);
    expect(((await chat.json()) as { model: string }).model).toBe('fourth-model');

    // what the dashboard previews is what runs: the fake reports the argv it was given
    const state = (await (await s.api('/api/v1/instances/four/proxy/fake/state')).json()) as {
      argv: string[];
    };
    const stored = (await (await s.api('/api/v1/instances/four')).json()) as Instance;
    const config = (await (await s.api('/api/v1/config')).json()) as PreviewConfig;
    const preview = previewCommand('four', stored.options, config);
    if (!('argv' in preview)) throw new Error(preview.error);
    expect(preview.argv.command).toBe(FAKE_BACKEND);
    expect(state.argv).toEqual(preview.argv.args);
    expect(state.argv).toEqual([
      '--model',
      'fourth-model',
      '--port',
      String(stored.options.backend_options.port),
      '--fake-log-lines',
      '2',
      '--extra',
      'x',
    ]);

    expect((await s.api('/api/v1/instances/four/stop', json('POST'))).status).toBe(200);
  });

  it("gets the instance schema's checks, with its table's ranges, in the server, the form and the JSON Schema", async () => {
    const res = await s.api(
      '/api/v1/instances/four-range',
      json('POST', { backend_type: TYPE, backend_options: { fake_log_lines: 5000 } }),
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { details: string }).details).toBe(
      'backend_options.fake_log_lines: must be between 0 and 1000',
    );

    const draft = {
      ...emptyDraft(FALLBACK_DEFAULTS),
      name: 'four-range',
      backend_type: TYPE,
      backend_options: { fake_log_lines: 5000 },
    };
    expect(validateDraft(draft, 'create')).toEqual({
      'backend_options.fake_log_lines': 'must be between 0 and 1000',
    });

    const doc = instanceOptionsJsonSchema() as { oneOf: Record<string, any>[] };
    const branch = doc.oneOf.find((b) => b.properties.backend_type.const === TYPE)!;
    const bo = branch.properties.backend_options.anyOf.find(
      (x: Record<string, unknown>) => x.type === 'object',
    );
    expect(bo.properties.fake_log_lines).toMatchObject({
      type: 'integer',
      minimum: 0,
      maximum: 1000,
    });
  });
});
