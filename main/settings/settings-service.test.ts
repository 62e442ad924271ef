import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigDetailed } from '../config/load-config';
import { silentLogger } from '../logger';
import { SettingsService } from './settings-service';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llamactl-settings-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function load(env: Record<string, string> = {}, file?: string) {
  const cwd = join(dir, 'cwd');
  if (file !== undefined) {
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, 'llamactl.yaml'), file);
  }
  return loadConfigDetailed({
    env: { LLAMACTL_DATA_DIRECTORY: join(dir, 'data'), ...env },
    cwd,
    platform: { platform: 'linux', home: join(dir, 'home'), env: {} },
  });
}

describe('settings over the config file, under the environment', () => {
  it('applies stored settings over the file and says where each value came from', () => {
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(
      join(dir, 'data', 'settings.json'),
      JSON.stringify({ backends: { 'llama-cpp': { command: '/opt/llama/llama-server' } } }),
    );
    const { config } = load(
      {},
      'backends:\n  llama-cpp:\n    command: /from/file\n    args: [--jinja]\n',
    );
    expect(config.backends['llama-cpp'].command).toBe('/opt/llama/llama-server');
    expect(config.backends['llama-cpp'].args).toEqual(['--jinja']);
    const s = new SettingsService(config, silentLogger, join(dir, 'home'));
    const sources = s.sources();
    expect(sources['backends.llama-cpp.command']).toBe('settings');
    expect(sources['backends.llama-cpp.args']).toBe('file');
    expect(sources['data_dir']).toBe('environment');
    expect(sources['server.port']).toBe('default');
  });

  it('lets the environment win over settings, as llamactl lets it win over the file', async () => {
    const { config } = load({ LLAMACTL_LLAMACPP_COMMAND: '/env/llama-server' });
    const s = new SettingsService(config, silentLogger);
    await s.replace({ backends: { 'llama-cpp': { command: '/settings/llama-server' } } });
    expect(config.backends['llama-cpp'].command).toBe('/env/llama-server');
    expect(s.sourceOf(['backends', 'llama-cpp', 'command'])).toBe('environment');
    expect(s.get().backends?.['llama-cpp']?.command).toBe('/settings/llama-server');
  });

  it('changes the live config object, writes the file at 0600, and is read again at the next start', async () => {
    const { config } = load();
    const s = new SettingsService(config, silentLogger);
    await s.replace({
      backends: { vllm: { command: '/usr/bin/vllm', args: ['serve', '--x'] } },
      models: { folders: ['/models'] },
    });
    expect(config.backends.vllm).toMatchObject({
      command: '/usr/bin/vllm',
      args: ['serve', '--x'],
    });
    expect(config.models.folders).toEqual(['/models']);
    const file = join(dir, 'data', 'settings.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).backends.vllm.command).toBe('/usr/bin/vllm');
    expect(load().config.backends.vllm.command).toBe('/usr/bin/vllm');

    await s.replace({});
    expect(config.backends.vllm.command).toBe('vllm');
    expect(s.sourceOf(['backends', 'vllm', 'command'])).toBe('default');
  });

  it('refuses a bad value naming the key, and changes nothing', async () => {
    const { config } = load();
    const s = new SettingsService(config, silentLogger);
    await expect(s.replace({ backends: { 'llama-cpp': { command: '  ' } } })).rejects.toThrow(
      /backends\.llama-cpp\.command: must not be empty/,
    );
    await expect(s.replace({ server: { port: 1 } })).rejects.toThrow(/Unrecognized key/);
    expect(config.backends['llama-cpp'].command).toBe('llama-server');
  });

  it("stops the server on a damaged settings file instead of dropping the user's choice", () => {
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'data', 'settings.json'), '{"backends": ');
    expect(() => load()).toThrow(/settings\.json: not valid JSON/);
  });
});
