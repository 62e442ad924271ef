import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { InstanceOptions } from '../../shared/api/instances';
import { loadConfig } from '../config/load-config';
import { buildCommand } from './command';
import { normalizeBackendOptions } from '../../shared/backends/normalize';
import { parseCommand } from './parse-command';

const run = promisify(execFile);

let dir: string;
let script: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'llamactl-argv-'));
  script = join(dir, 'print-argv.mjs');
  // a stand-in backend that reports exactly what it received
  writeFileSync(
    script,
    'console.log(JSON.stringify({ argv: process.argv.slice(2), env: { A: process.env.A, B: process.env.B } }));\n',
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function options(
  backend_options: Record<string, unknown>,
  extra: Partial<InstanceOptions> = {},
): InstanceOptions {
  return {
    backend_type: 'llama_cpp',
    backend_options,
    auto_restart: false,
    max_restarts: 0,
    restart_delay: 0,
    on_demand_start: false,
    idle_timeout: 0,
    ...extra,
  };
}

async function spawnBuilt(opts: InstanceOptions, backendEnv: Record<string, string> = {}) {
  const config = loadConfig({
    env: {},
    files: false,
    overrides: { data_dir: dir, backends: { 'llama-cpp': { environment: backendEnv } } },
  });
  const cmd = buildCommand({ name: 'argv', options: opts }, config);
  const { stdout } = await run(cmd.command, cmd.args, { env: cmd.env, cwd: dir });
  return JSON.parse(stdout) as { argv: string[]; env: Record<string, string | undefined> };
}

describe('a built command run as a real process', () => {
  it('receives a value with shell metacharacters as one literal argv entry', async () => {
    const pwned = join(dir, 'pwned');
    const bo = normalizeBackendOptions('llama_cpp', {
      alias: `x; touch ${pwned}`,
      model: `$(touch ${pwned})`,
      extra_args: { chat: `a && touch ${pwned} | cat` },
    });
    const out = await spawnBuilt(
      options(bo, { command_override: `"${process.execPath}" ${script}` }),
    );
    expect(out.argv).toEqual([
      '--model',
      `$(touch ${pwned})`,
      '--alias',
      `x; touch ${pwned}`,
      '--chat',
      `a && touch ${pwned} | cat`,
    ]);
    expect(existsSync(pwned)).toBe(false);
  });

  it('receives the merged environment, the instance winning over the backend', async () => {
    const out = await spawnBuilt(
      options(
        {},
        { command_override: `"${process.execPath}" ${script}`, environment: { B: 'instance' } },
      ),
      { A: 'backend', B: 'backend' },
    );
    expect(out.env).toEqual({ A: 'backend', B: 'instance' });
  });

  it('receives the argv of a parsed command line unchanged', async () => {
    const parsed = parseCommand(
      'llama_cpp',
      `llama-server -m "/models/my model.gguf" -c 0 --temp 0 --seed -1 \\\n  --spec-replace "<a>" "<b>" -x 'it is'`,
    );
    const out = await spawnBuilt(
      options(parsed.backend_options, { command_override: `"${process.execPath}" ${script}` }),
    );
    expect(out.argv).toEqual([
      '--ctx-size',
      '0',
      '--model',
      '/models/my model.gguf',
      '--seed',
      '-1',
      '--temp',
      '0',
      '--spec-replace',
      '<a>',
      '<b>',
      '-x',
      'it is',
      // a single-model instance answers to its own name (shared/backends/argv.ts)
      '--alias',
      'argv',
    ]);
  });
});
