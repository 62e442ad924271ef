import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLlamaHelper } from '../../backends/helper-runner';
import { startTestServer, type TestServer } from '../../testing/test-server';

/** A tiny stand-in for llama-server: prints what it was asked, fails on --list-devices. */
const FAKE_LLAMA = `#!/bin/sh
case "$1" in
  --help) echo "usage: fake-llama-server [options]"; echo "a warning" >&2; echo "env FROM_BACKEND=$FROM_BACKEND" ;;
  --version) echo "version: 9.9.9 (fake)" >&2 ;;
  --list-devices) echo "no devices here" >&2; exit 3 ;;
  --hang) exec sleep 30 ;;
esac
`;

/** A stand-in for docker: prints its argv and the variables passed with -e. */
const FAKE_DOCKER = `#!/bin/sh
echo "docker $*"
echo "SECRET=$SECRET"
`;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'llamactl-backends-'));
  writeFileSync(join(dir, 'fake-llama-server'), FAKE_LLAMA);
  writeFileSync(join(dir, 'docker'), FAKE_DOCKER);
  chmodSync(join(dir, 'fake-llama-server'), 0o755);
  chmodSync(join(dir, 'docker'), 0o755);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('llama-cpp helper endpoints', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: {
        backends: {
          'llama-cpp': {
            command: join(dir, 'fake-llama-server'),
            environment: { FROM_BACKEND: 'yes' },
          },
        },
      },
    });
  });
  afterAll(() => server.close());

  it('runs the configured command with --help and answers stdout then stderr as text', async () => {
    const res = await server.api('/api/v1/backends/llama-cpp/help');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe(
      'usage: fake-llama-server [options]\nenv FROM_BACKEND=yes\na warning\n',
    );
  });

  it('includes stderr in the version output', async () => {
    const res = await server.api('/api/v1/backends/llama-cpp/version');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('version: 9.9.9 (fake)\n');
  });

  it('answers 500 "command failed" with the exit code and output when the command fails', async () => {
    const res = await server.api('/api/v1/backends/llama-cpp/devices');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: 'command failed',
      details: `Failed to list devices: '${join(dir, 'fake-llama-server')}' exited with code 3: no devices here`,
    });
  });

  it('requires the management key', async () => {
    const res = await fetch(`${server.url}/api/v1/backends/llama-cpp/help`);
    expect(res.status).toBe(401);
  });
});

describe('llama-cpp helper endpoints without llama-server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: { backends: { 'llama-cpp': { command: join(dir, 'no-such-llama-server') } } },
    });
  });
  afterAll(() => server.close());

  it('says the executable is missing and how to install or configure it', async () => {
    const res = await server.api('/api/v1/backends/llama-cpp/version');
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: string; details: string };
    expect(body.error).toBe('command_not_found');
    expect(body.details).toContain(
      `the llama-server executable '${join(dir, 'no-such-llama-server')}' is missing`,
    );
    expect(body.details).toContain('brew install llama.cpp');
    expect(body.details).toContain('backends.llama-cpp.command');
    expect(body.details).toContain('LLAMACTL_LLAMACPP_COMMAND');
  });
});

describe('llama-cpp helper endpoints in docker mode', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: {
        backends: {
          'llama-cpp': {
            // PATH from the backend environment finds the fake docker first
            environment: { PATH: `${dir}:${process.env.PATH ?? ''}` },
            docker: {
              enabled: true,
              image: 'ghcr.io/ggml-org/llama.cpp:server',
              args: ['run', '--rm'],
              environment: { SECRET: 's3' },
            },
          },
        },
      },
    });
  });
  afterAll(() => server.close());

  it('runs llama-server inside the configured image, passing the environment with -e', async () => {
    const res = await server.api('/api/v1/backends/llama-cpp/help');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(
      'docker run --rm -e PATH -e SECRET ghcr.io/ggml-org/llama.cpp:server --help\nSECRET=s3\n',
    );
  });
});

describe('runLlamaHelper', () => {
  it('kills a command that does not finish in time and says so', async () => {
    const server = await startTestServer({
      config: {
        backends: { 'llama-cpp': { command: join(dir, 'fake-llama-server'), args: ['--hang'] } },
      },
    });
    try {
      await expect(runLlamaHelper('help', server.config, { timeoutMs: 300 })).rejects.toMatchObject(
        {
          code: 'command_timeout',
          details: `Failed to get help: '${join(dir, 'fake-llama-server')}' did not finish within 0.3 s`,
        },
      );
    } finally {
      await server.close();
    }
  });
});

describe('POST /api/v1/backends/*/parse-command', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const post = (backend: string, body: unknown) =>
    server.api(`/api/v1/backends/${backend}/parse-command`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  it.each([
    [
      'llama-cpp',
      'llama-server -m /m.gguf -c 0 --alias "a b"',
      {
        backend_type: 'llama_cpp',
        backend_options: { ctx_size: 0, model: '/m.gguf', alias: 'a b' },
      },
    ],
    [
      'vllm',
      'vllm serve org/m --port 8000',
      { backend_type: 'vllm', backend_options: { port: 8000, model: 'org/m' } },
    ],
    [
      'mlx',
      'mlx_lm.server --model m --temp 0',
      { backend_type: 'mlx_lm', backend_options: { model: 'm', temp: 0 } },
    ],
  ])('parses a %s command', async (backend, command, expected) => {
    const res = await post(backend, { command });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(expected);
  });

  it('omits backend_options when nothing was parsed', async () => {
    const res = await post('llama-cpp', { command: 'llama-server' });
    expect(await res.json()).toEqual({ backend_type: 'llama_cpp' });
  });

  it('returns leading NAME=value words as the environment', async () => {
    const res = await post('vllm', { command: 'HF_HOME=/hf vllm serve' });
    expect(await res.json()).toEqual({ backend_type: 'vllm', environment: { HF_HOME: '/hf' } });
  });

  it('keeps a value with shell metacharacters as one literal', async () => {
    const pwned = join(dir, 'pwned');
    const res = await post('llama-cpp', { command: `llama-server --alias 'x; touch ${pwned}'` });
    expect(await res.json()).toEqual({
      backend_type: 'llama_cpp',
      backend_options: { alias: `x; touch ${pwned}` },
    });
    expect(existsSync(pwned)).toBe(false);
  });

  it.each([
    [{ command: '   ' }, 'invalid_command', 'Command cannot be empty'],
    [{}, 'invalid_command', 'Command cannot be empty'],
    [{ command: 5 }, 'invalid_request', 'command: must be a string'],
    [
      { command: 'llama-server --alias "x' },
      'parse_error',
      'unterminated double quote starting at character 22',
    ],
    [
      { command: 'llama-server --threads four' },
      'parse_error',
      "--threads expects an integer, got 'four'",
    ],
  ])('answers 400 for %j', async (body, error, details) => {
    const res = await post('llama-cpp', body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error, details });
  });
});
