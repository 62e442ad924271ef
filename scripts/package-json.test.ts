import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import semver from 'semver';

const root = resolve(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/**
 * Production packages that only ever run inside Electron's main process, whose embedded Node
 * is newer than the plain Node the headless server supports.
 */
const ELECTRON_ONLY = new Set(['conf']);

describe('package.json', () => {
  it('pins every dependency to a semver range, never a dist-tag', () => {
    // A tag such as "latest" makes `npm ci` refuse the lock file as soon as the package publishes.
    const bad = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })
      .filter(([, range]) => semver.validRange(range) === null)
      .map(([name, range]) => `${name}@${range}`);
    expect(bad).toEqual([]);
    expect(semver.validRange('latest')).toBeNull();
  });

  it('names a Node range that every production dependency supports', () => {
    const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    const unmet: string[] = [];
    for (const dir of new Set(out.split('\n').filter((l) => l.includes('node_modules')))) {
      const dep = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name: string;
        version: string;
        engines?: { node?: string };
      };
      const wants = dep.engines?.node;
      if (!wants || ELECTRON_ONLY.has(dep.name)) continue;
      if (!semver.subset(pkg.engines.node, wants))
        unmet.push(`${dep.name}@${dep.version} wants ${wants}`);
    }
    expect(unmet).toEqual([]);
    expect(semver.satisfies(process.versions.node, pkg.engines.node)).toBe(true);
    // `npm ls` alone takes seconds on a busy machine
  }, 60_000);
});
