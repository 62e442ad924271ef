import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../testing/test-server';
import { action, getInstance, testPortRange, FAKE_BACKEND } from './test-helpers';

// A stand-in `docker` on PATH: records every call, and for `run` starts the fake backend with
// the arguments after the image, as the real image's entrypoint would get them.
let dir: string;
let s: TestServer;
const savedPath = process.env.PATH;
const calls = () => readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fake-docker-'));
  writeFileSync(join(dir, 'calls.log'), '');
  writeFileSync(
    join(dir, 'docker'),
    [
      '#!/bin/sh',
      `echo "$*" >> "${join(dir, 'calls.log')}"`,
      'if [ "$1" = "rm" ]; then exit 0; fi',
      'while [ $# -gt 0 ] && [ "$1" != "img:test" ]; do shift; done',
      'shift',
      `exec "${FAKE_BACKEND}" "$@"`,
    ].join('\n'),
  );
  chmodSync(join(dir, 'docker'), 0o755);
  process.env.PATH = `${dir}:${savedPath}`;
  s = await startTestServer({
    config: {
      instances: { port_range: testPortRange(9) },
      backends: {
        'llama-cpp': { docker: { enabled: true, image: 'img:test', args: ['run', '--rm'] } },
      },
    },
    instanceTuning: { stopGraceMs: 300 },
  });
});
afterAll(async () => {
  await s?.close();
  process.env.PATH = savedPath;
  rmSync(dir, { recursive: true, force: true });
});

describe('docker mode', () => {
  it('names the container, removes a leftover before starting and the container after a forced stop', async () => {
    const res = await s.api('/api/v1/instances/boxed', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        backend_type: 'llama_cpp',
        environment: { FAKE_IGNORE_SIGTERM: '1' },
      }),
    });
    expect(res.status).toBe(201);
    expect((await action(s, 'boxed', 'start')).status).toBe(200);
    await vi.waitFor(async () => expect((await getInstance(s, 'boxed')).health).toBe('ready'), {
      timeout: 20_000,
    });
    expect(calls()[0]).toBe('rm -f llamactl-boxed');
    expect(calls()[1]).toMatch(
      /^run --name llamactl-boxed --rm -e FAKE_IGNORE_SIGTERM img:test --port \d+$/,
    );

    // The backend ignores SIGTERM, so the stop ends in SIGKILL: the container must be removed.
    expect((await action(s, 'boxed', 'stop')).status).toBe(200);
    expect(calls().at(-1)).toBe('rm -f llamactl-boxed');
    expect(calls()).toHaveLength(3);
  });
});
