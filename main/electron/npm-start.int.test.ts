import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const KEY = 'npm-start-int-test-key';

/**
 * `npm start` on a machine without a display or Electron binary (this one, CI): the script
 * must say why and run the same server headless, printing the dashboard URL.
 */
describe.skipIf(process.platform !== 'linux')('npm start without a display', () => {
  let dir: string;
  let child: ChildProcess | null = null;

  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'main', 'cli.js'))) {
      const r = spawnSync(process.execPath, ['scripts/build-main.mjs'], {
        cwd: root,
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
    }
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llamactl-npm-start-'));
  });
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('says it runs headless, prints the dashboard URL, serves the API and stops on SIGTERM', async () => {
    const configPath = join(dir, 'llamactl.yaml');
    writeFileSync(configPath, '# empty: defaults plus the environment below\n');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LLAMACTL_CONFIG_PATH: configPath,
      LLAMACTL_DATA_DIRECTORY: join(dir, 'data'),
      LLAMACTL_HOST: '127.0.0.1',
      LLAMACTL_PORT: '0',
      LLAMACTL_MANAGEMENT_KEYS: KEY,
    };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    delete env.LLAMACTL_HEADLESS;

    const proc = spawn(process.execPath, ['scripts/start.mjs'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (d) => (stdout += d));
    proc.stderr!.on('data', (d) => (stderr += d));

    await vi.waitFor(
      () => {
        if (proc.exitCode !== null)
          throw new Error(`start.mjs exited early (${proc.exitCode}): ${stdout}${stderr}`);
        expect(stdout).toMatch(/Dashboard: http:\/\/127\.0\.0\.1:\d+\//);
      },
      { timeout: 30_000, interval: 50 },
    );
    expect(stdout).toContain('llamactl: not starting the desktop app: no display is available');
    expect(stdout).toContain('running the same server headless instead');

    const url = /Dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout)![1];
    const res = await fetch(`${url}/api/v1/version`, {
      headers: { Authorization: `Bearer ${KEY}` },
    });
    expect(res.status).toBe(200);

    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/api/v1/version`)).rejects.toThrow();
  });
});
