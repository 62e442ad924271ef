// Opening an instance in the dashboard and saving it unchanged must not change what is stored:
// the form's draft (renderer/features/instances/draft.ts) against the real server, which parses
// the body with the shared instance schema (shared/api/instance-schema.ts) the form checks with.
import type { Instance } from '../../shared/api/instances';
import { startTestServer, type TestServer } from '../../main/testing/test-server';
import {
  draftFromOptions,
  draftToOptions,
  defaultsFromConfig,
  emptyDraft,
  validateDraft,
} from '../../renderer/features/instances/draft';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const send = (method: string, name: string, body: unknown) =>
  s.api(`/api/v1/instances/${name}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('saving an instance unchanged in the dashboard', () => {
  it.each([
    [
      'llama-fa',
      {
        backend_type: 'llama_cpp',
        backend_options: { model: '/m.gguf', extra_args: { '-fa': 'on', '--jinja': '' } },
      },
    ],
    [
      'llama-short',
      {
        backend_type: 'llama_cpp',
        backend_options: { ctx_size: 512, extra_args: { '-x': '3', 'my-flag': 'v' } },
        environment: { CUDA_VISIBLE_DEVICES: '0' },
        idle_timeout: 0.5,
      },
    ],
    [
      'vllm-docker',
      {
        backend_type: 'vllm',
        backend_options: { model: 'org/m', tensor_parallel_size: 2 },
        docker_enabled: true,
        group: 'gpu',
      },
    ],
    [
      'quoted-path',
      {
        backend_type: 'llama_cpp',
        backend_options: { model: '/models/my model.gguf', ctx_size: 0 },
        command_override: 'node "/opt/fake backend.mjs"',
        preset_ini: '[m]\nmodel = /x.gguf\n',
      },
    ],
  ])('leaves the options of %s byte-identical', async (name, body) => {
    expect((await send('POST', name, body)).status).toBe(201);
    const before = (await (await s.api(`/api/v1/instances/${name}`)).json()) as Instance;
    const config = (await (await s.api('/api/v1/config')).json()) as Record<string, unknown>;
    const draft = draftFromOptions(name, before.options, emptyDraft(defaultsFromConfig(config)));
    // the form finds no fault with what the server stored (it would refuse to save otherwise)
    expect(validateDraft(draft, 'edit')).toEqual({});
    expect((await send('PUT', name, draftToOptions(draft))).status).toBe(200);
    const after = (await (await s.api(`/api/v1/instances/${name}`)).json()) as Instance;
    expect(JSON.stringify(after.options)).toBe(JSON.stringify(before.options));
  });
});
