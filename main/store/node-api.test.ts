import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exportedSymbols } from '../testing/native-symbols';

const root = resolve(__dirname, '..', '..');

/** Every `.node` file below the packages of the production dependency tree (as npm installed it). */
function productionAddons(): string[] {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const dirs = new Set(out.split('\n').filter((l) => l.includes('node_modules')));
  const files: string[] = [];
  for (const dir of dirs) {
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.node'))
        files.push(join(entry.parentPath, entry.name));
    }
  }
  return [...new Set(files)];
}

describe('native addons of the production dependencies', () => {
  it('are all Node-API, so one node_modules loads in plain Node and in Electron', () => {
    const addons = productionAddons();
    // The database binding at least; an empty list would prove nothing.
    expect(addons.some((f) => f.includes('libsql'))).toBe(true);
    for (const file of addons) {
      const symbols = exportedSymbols(readFileSync(file));
      const abiBound = symbols.filter((s) => /^node_register_module_v\d+$/.test(s));
      expect({ file, napi: symbols.includes('napi_register_module_v1'), abiBound }).toEqual({
        file,
        napi: true,
        abiBound: [],
      });
    }
    // `npm ls` alone takes seconds on a busy machine
  }, 60_000);

  it('tells a Node-API addon from one bound to a Node ABI', () => {
    // The reader must see the difference, or the check above could never fail: two tiny shared
    // objects built here (g++ is on every test machine for the llama-server build).
    const dir = mkdtempSync(join(tmpdir(), 'llamactl-addon-'));
    try {
      const build = (name: string, symbol: string) => {
        writeFileSync(
          join(dir, `${name}.cc`),
          `extern "C" void ${symbol}() {}\nextern "C" void napi_create_object();\n`,
        );
        execFileSync('g++', [
          '-shared',
          '-fPIC',
          '-o',
          join(dir, `${name}.node`),
          join(dir, `${name}.cc`),
        ]);
        return exportedSymbols(readFileSync(join(dir, `${name}.node`)));
      };
      expect(build('napi', 'napi_register_module_v1')).toContain('napi_register_module_v1');
      const abi = build('abi', 'node_register_module_v115');
      expect(abi).toContain('node_register_module_v115');
      expect(abi).not.toContain('napi_register_module_v1');
      // An import is not an export.
      expect(abi).not.toContain('napi_create_object');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
