import { spawnSync } from 'node:child_process';
import { LLAMA_CPP_OPTIONS } from '../../shared/backends';
import type { TestServer } from '../../main/testing/test-server';
import { parseLongFlags } from '../fixtures/llama-help';
import { llamaServerPath, startRealServer } from './helpers';

/**
 * Flags of the real llama-server that are deliberately not backend options, each with the
 * reason. Anything else `--help` lists must be a field of shared/backends/llama-cpp.ts.
 */
const EXCLUDED_FLAGS: Record<string, string> = {
  '--help': 'prints usage and exits; an instance would never start',
  '--usage': 'alias of --help',
  '--version': 'prints the version and exits; served by GET /api/v1/backends/llama-cpp/version',
  '--completion-bash': 'prints a shell completion script and exits',
  '--list-devices': 'prints devices and exits; served by GET /api/v1/backends/llama-cpp/devices',
  '--cache-list': 'lists the model cache and exits',
};

function realOutput(flag: string): string {
  const r = spawnSync(llamaServerPath(), [flag], { encoding: 'utf8', timeout: 60_000 });
  return r.stdout + r.stderr;
}

/** Every long flag a field answers to: its flag, its key spelled as a flag, its long aliases. */
function knownFlags(): Set<string> {
  const known = new Set<string>();
  for (const field of LLAMA_CPP_OPTIONS) {
    known.add(field.flag);
    known.add(`--${field.key.replace(/_/g, '-')}`);
    for (const alias of field.aliases) known.add(`--${alias.replace(/_/g, '-')}`);
  }
  return known;
}

describe('backend helper endpoints against the real llama-server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startRealServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('returns the real --version output', async () => {
    const res = await server.api('/api/v1/backends/llama-cpp/version');
    const body = await res.text();
    expect(res.status, body).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(body).toMatch(/version: \S+ \(build \d+, commit [0-9a-f]+\)|version: \d+ \([0-9a-f]+\)/);
    expect(body.trim()).toBe(realOutput('--version').trim());
  });

  it('returns the real --help output with its flag table', async () => {
    const res = await server.api('/api/v1/backends/llama-cpp/help');
    const body = await res.text();
    expect(res.status, body.slice(0, 500)).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(body).toContain('--ctx-size');
    expect(body).toContain('--models-dir');
    expect(body.trim()).toBe(realOutput('--help').trim());
  });

  it('returns the real --list-devices output', async () => {
    const res = await server.api('/api/v1/backends/llama-cpp/devices');
    const body = await res.text();
    expect(res.status, body).toBe(200);
    expect(body).toContain('Available devices:');
    expect(body.trim()).toBe(realOutput('--list-devices').trim());
  });
});

describe('the llama_cpp option schema against the real llama-server --help', () => {
  it('knows every long flag the real llama-server lists, or documents why not', () => {
    const listed = parseLongFlags(realOutput('--help'));
    // A parse that finds almost nothing would make this check pass vacuously.
    expect(listed.length).toBeGreaterThan(150);
    const known = knownFlags();
    const unknown = listed.filter((flag) => !known.has(flag) && !(flag in EXCLUDED_FLAGS));
    expect(
      unknown,
      `flags of llama-server --help missing from shared/backends/llama-cpp.ts: ${unknown.join(' ')}`,
    ).toEqual([]);
  });

  it('keeps no exclusion for a flag the real llama-server no longer lists', () => {
    const listed = new Set(parseLongFlags(realOutput('--help')));
    const stale = Object.keys(EXCLUDED_FLAGS).filter((flag) => !listed.has(flag));
    expect(stale).toEqual([]);
  });
});
