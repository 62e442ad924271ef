import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePrivateDir, tightenTree } from './private-files';

const mode = (path: string) => statSync(path).mode & 0o777;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'llamactl-tighten-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(process.platform === 'win32')('tightenTree', () => {
  it('takes group and other bits away but keeps the owner execute bit of programs', () => {
    const data = join(root, 'data');
    mkdirSync(join(data, 'runtimes', 'b1'), { recursive: true, mode: 0o755 });
    writeFileSync(join(data, 'runtimes', 'b1', 'llama-server'), '', { mode: 0o755 });
    writeFileSync(join(data, 'settings.json'), '{}', { mode: 0o644 });
    chmodSync(join(data, 'runtimes'), 0o755);
    chmodSync(data, 0o755);
    expect(tightenTree(data)).toBe(5);
    expect(mode(data)).toBe(0o700);
    expect(mode(join(data, 'runtimes', 'b1'))).toBe(0o700);
    expect(mode(join(data, 'runtimes', 'b1', 'llama-server'))).toBe(0o700);
    expect(mode(join(data, 'settings.json'))).toBe(0o600);
    expect(tightenTree(data)).toBe(0);
  });

  it('does not follow links out of the data folder nor touch the docker huggingface cache', () => {
    const data = join(root, 'data');
    const outside = join(root, 'outside.txt');
    writeFileSync(outside, 'x', { mode: 0o644 });
    chmodSync(outside, 0o644);
    mkdirSync(join(data, 'huggingface'), { recursive: true });
    writeFileSync(join(data, 'huggingface', 'model.bin'), 'x', { mode: 0o644 });
    chmodSync(join(data, 'huggingface', 'model.bin'), 0o644);
    symlinkSync(outside, join(data, 'link.txt'));
    tightenTree(data);
    expect(mode(outside)).toBe(0o644);
    expect(mode(join(data, 'huggingface', 'model.bin'))).toBe(0o644);
  });

  it('makes an existing folder private when asked to create it', () => {
    const dir = join(root, 'logs');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    makePrivateDir(dir);
    expect(mode(dir)).toBe(0o700);
  });
});
