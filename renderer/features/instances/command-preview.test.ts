import { describe, expect, it } from 'vitest';
import type { InstanceOptions } from '../../../shared/api/instances';
import { backendOf } from '../../../shared/backends';
import { ARGV_CASES, ARGV_PLATFORM } from '../../../shared/backends/argv-cases';
import { previewCommand } from './command-preview';

const opts = (o: Partial<InstanceOptions>): InstanceOptions => ({
  backend_type: 'llama_cpp',
  backend_options: {},
  auto_restart: true,
  max_restarts: 3,
  restart_delay: 5,
  on_demand_start: true,
  idle_timeout: 0,
  ...o,
});

describe('command preview', () => {
  // main/backends/command.test.ts runs the same cases through what the server spawns
  it.each(ARGV_CASES)('shows what the server spawns: $title', (c) => {
    const config = {
      backends: c.backend ? { [backendOf(c.options.backend_type).configKey]: c.backend } : {},
      instances: { instances_dir: ARGV_PLATFORM.instancesDir },
    };
    const p = previewCommand(c.name, opts(c.options), config);
    if (!('text' in p)) throw new Error(p.error);
    expect([p.argv.command, ...p.argv.args]).toEqual(c.argv);
    expect(p.text).toBe(c.shell);
  });

  it('says why a command override cannot run instead of showing a command', () => {
    expect(previewCommand('a', opts({ command_override: 'llama-server; rm -rf /' }), {})).toEqual({
      error: "command_override: shell operator ';' is not allowed (no shell is used)",
    });
  });

  it('reads a Windows server from its instances folder', () => {
    const p = previewCommand('r', opts({ preset_ini: '[m]' }), {
      instances: { instances_dir: 'C:\\llamactl\\instances' },
    });
    expect('argv' in p && p.argv.args).toEqual([
      '--models-preset',
      'C:\\llamactl\\instances\\r\\preset.ini',
    ]);
  });
});
