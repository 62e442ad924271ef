import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from '../../scripts/electron-binary.mjs';
import { desktopSkipReason, openDesktopDisplay, rootArgs, type DesktopDisplay } from './display';

/**
 * Smoke test of the shell: launches the built app (dist/electron/index.js) with the real
 * Electron binary, on the session's display or, without one, under xvfb-run. Where there is no
 * Electron binary (CI containers, this machine: the binary is downloaded by `npm install` only
 * where the network allows) it is skipped with the reason printed; the shell's logic is covered
 * by the Vitest suites in main/electron with a fake electron module.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const skipReason = desktopSkipReason(root);
if (skipReason) console.log(`[desktop smoke] skipped: ${skipReason}`);

test.describe('desktop app', () => {
  test.skip(skipReason !== null, `Electron cannot run here: ${skipReason}`);

  let dir: string;
  let app: ElectronApplication | null = null;
  let display: DesktopDisplay | null = null;

  test.beforeAll(async () => {
    display = await openDesktopDisplay(root);
  });
  test.afterAll(async () => {
    await display?.close();
  });

  test.beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llamactl-electron-'));
    writeFileSync(join(dir, 'llamactl.yaml'), '# smoke test: defaults plus the environment\n');
  });
  test.afterEach(async () => {
    // Bounded: the quit sequence exits within its deadline even if something hangs.
    await app?.close().catch(() => {});
    app = null;
    rmSync(dir, { recursive: true, force: true });
  });

  test('opens the dashboard from the in-process server with a locked-down page and the desktop bridge', async () => {
    app = await electron.launch({
      executablePath: findElectronBinary(root)!,
      args: [...rootArgs(), root],
      env: {
        ...process.env,
        ...display!.env,
        LLAMACTL_CONFIG_PATH: join(dir, 'llamactl.yaml'),
        LLAMACTL_DATA_DIRECTORY: join(dir, 'data'),
        LLAMACTL_HOST: '127.0.0.1',
        LLAMACTL_PORT: '0',
        LLAMACTL_DESKTOP_USER_DATA: join(dir, 'profile'),
      },
    });
    const page = await app.firstWindow();
    await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const origin = new URL(page.url()).origin;

    const members = await page.evaluate(() => Object.keys(window.llamactlDesktop ?? {}).sort());
    expect(members).toEqual([
      'chooseModelFile',
      'managementKey',
      'openExternal',
      'revealDataFolder',
      'revealLogsFolder',
      'serverUrl',
      'version',
    ]);
    expect(await page.evaluate(() => window.llamactlDesktop!.serverUrl)).toBe(origin);
    expect(
      await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require),
    ).toBe('undefined');
    const key = await page.evaluate(() => window.llamactlDesktop!.managementKey());
    const res = await page.evaluate(
      async ([url, k]) =>
        (await fetch(`${url}/api/v1/version`, { headers: { Authorization: `Bearer ${k}` } }))
          .status,
      [origin, key] as const,
    );
    expect(res).toBe(200);

    const opened = await app.evaluateHandle(({ shell }) => {
      const urls: string[] = [];
      // Record hand-overs to the system browser instead of launching one.
      shell.openExternal = async (url: string) => {
        urls.push(url);
      };
      return urls;
    });
    await page.evaluate(() => {
      const a = document.createElement('a');
      a.id = 'external';
      a.href = 'https://example.invalid/docs';
      a.textContent = 'docs';
      document.body.append(a);
    });
    await page.locator('#external').click({ noWaitAfter: true });
    await expect.poll(() => opened.jsonValue()).toEqual(['https://example.invalid/docs']);
    expect(new URL(page.url()).origin).toBe(origin);

    // The Content-Security-Policy set on the session refuses inline scripts.
    const inlineRan = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true';
      document.body.append(script);
      return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
    });
    expect(inlineRan).toBe(false);
  });
});
