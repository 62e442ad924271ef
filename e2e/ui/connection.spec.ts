import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test as base, expect, screenshot } from './fixtures';
import { e2eModelFile } from './env';
import { unreachable } from './layout-check';
import { startOwnServer, type OwnServer } from './own-server';

/**
 * Failures the dashboard must explain: a start whose command fails, and the server itself
 * going away. Against a server of its own (e2e/ui/own-server.ts), which the second test stops
 * and starts again.
 */
const test = base.extend<object, { own: OwnServer }>({
  own: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const s = await startOwnServer('connection');
      await use(s);
      await s.close();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  serverBaseUrl: async ({ own }, use) => {
    await use(own.url);
  },
});

test.describe.configure({ mode: 'serial' });

const MODEL = e2eModelFile('broken-Q4_K_M.gguf');
const REASON = 'Exited with code 1: error: unknown argument: --bogus.';

/** A llama-server stand-in that refuses its arguments the way the real one does. */
function failingCommand(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'llamactl-e2e-bad-')), 'llama-server');
  writeFileSync(path, '#!/bin/sh\necho "error: unknown argument: --bogus" >&2\nexit 1\n');
  chmodSync(path, 0o755);
  return path;
}

async function themed(page: Page, name: string, check = false): Promise<void> {
  for (const theme of ['Light', 'Dark'] as const) {
    await page.getByRole('radio', { name: `${theme} theme` }).click();
    await screenshot(page, `${name}-${theme.toLowerCase()}`);
    if (check) expect(await unreachable(page), `${name}-${theme}`).toEqual([]);
  }
  await page.getByRole('radio', { name: 'Light theme' }).click();
}

test('a failed start leaves its reason on the row and the instance page until the next start', async ({
  app,
  page,
  own,
  allowConsole,
}) => {
  // the instance page asks whether the fake backend serves llama-server's page: it does not
  allowConsole(/404 \(Not Found\)/);
  const created = await own.api('/api/v1/instances/broken', {
    method: 'POST',
    body: JSON.stringify({
      backend_type: 'llama_cpp',
      command_override: failingCommand(),
      auto_restart: false,
      backend_options: { model: MODEL },
    }),
  });
  expect(created.status).toBe(201);
  await app.openSignedIn();
  await app.instances.action('broken', 'Start');
  await app.instances.expectStatus('broken', 'Failed');
  await expect(app.instances.startError('broken')).toHaveText(REASON);
  await themed(page, 'failed-start-row');

  await page.getByRole('link', { name: 'broken', exact: true }).click();
  const callout = page.locator('.start-error-callout');
  await expect(callout).toContainText('The last start failed');
  await expect(callout).toContainText(REASON);
  await themed(page, 'failed-start-page');

  // fixed (the configured command again) and started: the reason goes with the next start
  await own.api('/api/v1/instances/broken', {
    method: 'PUT',
    body: JSON.stringify({
      backend_type: 'llama_cpp',
      auto_restart: false,
      backend_options: { model: MODEL },
    }),
  });
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(callout).toHaveCount(0);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Ready', { timeout: 20_000 });
  await own.api('/api/v1/instances/broken/stop', { method: 'POST' });

  // and a failed start shows at 390 px without pushing anything out of reach
  await own.api('/api/v1/instances/broken', {
    method: 'PUT',
    body: JSON.stringify({
      backend_type: 'llama_cpp',
      command_override: failingCommand(),
      auto_restart: false,
      backend_options: { model: MODEL },
    }),
  });
  await own.api('/api/v1/instances/broken/start', { method: 'POST' });
  await page.setViewportSize({ width: 390, height: 844 });
  await app.nav('Instances').click();
  await expect(app.instances.startError('broken')).toHaveText(REASON, { timeout: 20_000 });
  await themed(page, 'failed-start-phone', true);
});

test('an unreachable server shows one banner, pauses actions and marks states as last known until it is back', async ({
  app,
  page,
  own,
  allowConsole,
}) => {
  test.setTimeout(120_000);
  // the browser reports each refused request and the event stream's retries
  allowConsole(/net::ERR_/);
  await own.api('/api/v1/instances/steady', {
    method: 'POST',
    body: JSON.stringify({
      backend_type: 'llama_cpp',
      backend_options: { model: e2eModelFile('steady-Q4_K_M.gguf') },
    }),
  });
  await own.api('/api/v1/instances/steady/start', { method: 'POST' });
  await app.openSignedIn();
  await app.instances.expectStatus('steady', 'Ready');
  const stop = page.getByRole('button', { name: 'Stop steady', exact: true });
  await expect(stop).toBeEnabled();
  const banner = page.getByRole('alert').filter({ hasText: "Can't reach the server" });
  await expect(banner).toHaveCount(0);

  await own.stop();
  await expect(banner).toContainText(`Can't reach the server at ${own.url} — retrying…`);
  await expect(stop).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Create instance' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Stop all' })).toBeDisabled();
  await expect(app.instances.row('steady').getByText('last known')).toBeVisible();
  await expect(app.instances.row('broken').getByText('last known')).toBeVisible();
  // a click on "Try now" while it is down adds no error toast either
  await banner.getByRole('button', { name: 'Try now' }).click();
  await expect(banner.getByRole('button', { name: 'Try now' })).toBeEnabled();
  await expect(page.locator('.toast-error')).toHaveCount(0);
  await themed(page, 'server-unreachable');
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(banner).toBeVisible();
  await themed(page, 'server-unreachable-phone', true);
  await page.setViewportSize({ width: 1280, height: 800 });

  await own.start();
  await expect(banner).toHaveCount(0, { timeout: 30_000 });
  // the server brought the instance back; the list shows it, no longer marked
  await app.instances.expectStatus('steady', 'Ready', 30_000);
  await expect(stop).toBeEnabled();
  await expect(page.getByText('last known')).toHaveCount(0);
  await expect(page.locator('.toast-error')).toHaveCount(0);
  await own.api('/api/v1/instances/steady/stop', { method: 'POST' });
});
