import { existsSync, readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test as base, expect, screenshot } from './fixtures';
import {
  HUB_TOKEN,
  LOCAL_MODEL,
  PRIVATE_REPO,
  startFirstRunServer,
  type FirstRunServer,
} from './firstrun-server';

/**
 * A new user's first minutes, against a server of its own (e2e/ui/firstrun-server.ts): no
 * llama-server anywhere, llama.cpp releases from the fake release server, the fake hub.
 * The tests run in order and build on each other, as the user would.
 */
const test = base.extend<object, { fresh: FirstRunServer }>({
  fresh: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const s = await startFirstRunServer();
      await use(s);
      await s.close();
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  serverBaseUrl: async ({ fresh }, use) => {
    await use(fresh.url);
  },
});

test.describe.configure({ mode: 'serial' });

/**
 * The Local files title on one line, and the vision projector note shown whole: not cut off by
 * the ellipsis of the folder text before it.
 */
async function expectLocalFilesReadable(page: Page) {
  const local = page.getByRole('region', { name: 'Local files' });
  const titleLines = await local.getByRole('heading', { name: 'Local files' }).evaluate((h) => {
    const range = document.createRange();
    range.selectNodeContents(h);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  });
  expect(titleLines).toBe(1);
  const note = local.getByText('· with vision projector').first();
  await expect(note).toBeVisible();
  const clipped = await note.evaluate((el) => {
    const r = el.getBoundingClientRect();
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
      const b = p.getBoundingClientRect();
      if (r.right > b.right + 0.5 || r.left < b.left - 0.5 || r.bottom > b.bottom + 0.5)
        return p.className;
    }
    return null;
  });
  expect(clipped, 'the vision projector note is cut off by').toBeNull();
}

async function noHorizontalScroll(page: Page) {
  // the elements sticking out name the culprit when this fails
  const wide = await page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= w) return [];
    const sb = document.querySelector('.sidebar')!;
    const info = `scrollWidth ${document.documentElement.scrollWidth} sidebar ${sb.getBoundingClientRect().width} ${getComputedStyle(sb).minWidth} ${getComputedStyle(sb).overflowX}`;
    return Array.from(document.querySelectorAll('body *'))
      .filter((el) => el.getBoundingClientRect().right > w + 1 && !el.closest('.sidebar'))
      .slice(0, 8)
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`,
      )
      .concat([info]);
  });
  expect(wide).toEqual([]);
}

test('the Runtimes page installs the latest llama.cpp from the releases and makes it the default', async ({
  app,
  page,
}) => {
  await app.openSignedIn('/#/runtimes');
  await expect(page.getByRole('heading', { level: 1, name: 'Runtimes' })).toBeVisible();
  const def = page.getByRole('region', { name: 'Default runtime' });
  await expect(def).toContainText('Not found');
  const releases = page.getByRole('region', { name: 'Available releases' });
  await expect(releases.getByRole('option', { name: 'Latest (b1240)' })).toBeAttached();
  await expect(releases).toContainText('llama-b1240-bin-ubuntu-x64.tar.gz');
  await screenshot(page, 'firstrun-01-runtimes-empty');
  await releases.getByRole('button', { name: 'Install' }).click();
  const job = page.getByRole('region', { name: 'Runtime installs' });
  await expect(job).toContainText('Installed', { timeout: 30_000 });
  await expect(def).toContainText('Ready');
  await expect(def).toContainText('b1240');
  const installed = page.getByRole('region', { name: 'Installed runtimes' });
  await expect(installed).toContainText('version: 1240');
  await expect(installed).toContainText('Installed here');
  await expect(installed.getByText('Default', { exact: true })).toBeVisible();
  await expect(releases.getByRole('button', { name: 'Installed' })).toBeDisabled();
  await page.getByRole('button', { name: 'Check for updates' }).click();
  await expect(app.toast('Up to date')).toBeVisible();
  await screenshot(page, 'firstrun-02-runtimes-installed');
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(def).toBeVisible();
  await screenshot(page, 'firstrun-03-runtimes-phone');
  await noHorizontalScroll(page);
});

test('the guide walks from the runtime to a starter model, a running instance and the chat', async ({
  app,
  page,
}) => {
  await app.openSignedIn();
  const banner = page.getByRole('region', { name: 'Getting started' });
  await expect(banner).toBeVisible();
  await screenshot(page, 'firstrun-04-banner');
  await banner.getByRole('link', { name: 'Open the setup guide' }).click();
  const step = (n: number) => page.getByRole('listitem', { name: new RegExp(`^Step ${n}:`) });
  await expect(step(1)).toContainText('Found');
  await expect(step(1)).toContainText('b1240');
  await step(1).getByRole('button', { name: 'Next' }).click();
  await expect(step(2).getByText('Qwen3 0.6B')).toBeVisible();
  await expect(step(2).getByText(LOCAL_MODEL)).toBeVisible();
  await screenshot(page, 'firstrun-05-guide-model');
  await step(2).getByText('Qwen3 0.6B').click();
  await step(2).getByRole('button', { name: 'Download Qwen3 0.6B' }).click();
  // the download lands in the library; the choice then stands for the downloaded file
  await expect(step(2).getByRole('button', { name: 'Next' })).toBeEnabled({ timeout: 30_000 });
  await step(2).getByRole('button', { name: 'Next' }).click();
  await expect(step(3).getByLabel('Instance name')).toHaveValue('qwen3-0.6b');
  await expect(step(3)).toContainText('context 8192 tokens');
  // the installed build lists a (fake) accelerator with --list-devices
  await expect(step(3)).toContainText('all layers on the GPU');
  await step(3).getByRole('button', { name: 'Create and start' }).click();
  await expect(step(3)).toContainText('running', { timeout: 30_000 });
  await expect(step(4).getByRole('link', { name: 'Open the chat' })).toHaveAttribute(
    'href',
    '#/chat?model=qwen3-0.6b',
  );
  await expect(step(4).getByRole('button', { name: 'Copy the endpoint' })).toBeVisible();
  await screenshot(page, 'firstrun-06-guide-done');
  await page.setViewportSize({ width: 390, height: 844 });
  await noHorizontalScroll(page);
  await screenshot(page, 'firstrun-07-guide-phone');
  await step(4).getByRole('link', { name: 'Open the chat' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Chat' })).toBeVisible();
  // with an instance the banner is gone
  await page.setViewportSize({ width: 1280, height: 800 });
  await app.goto('Instances');
  await expect(page.getByRole('region', { name: 'Getting started' })).toHaveCount(0);
});

test('every guide step can be skipped', async ({ app, page }) => {
  await app.openSignedIn('/#/welcome');
  const step = (n: number) => page.getByRole('listitem', { name: new RegExp(`^Step ${n}:`) });
  await step(1).getByRole('button', { name: 'Skip' }).click();
  await step(2).getByRole('button', { name: 'Skip' }).click();
  await expect(step(3)).toContainText('No model chosen');
  await step(3).getByRole('button', { name: 'Skip' }).click();
  await expect(step(4).getByRole('link', { name: 'Open the chat' })).toBeVisible();
});

test('a llama-server command changed in Settings is used by the next start', async ({
  app,
  page,
  fresh,
}) => {
  await app.openSignedIn('/#/settings');
  const form = page.getByRole('form', { name: 'llama.cpp backend' });
  await expect(page.getByTestId('effective-llama-cpp')).toContainText('dashboard settings');
  await form.getByLabel('llama.cpp command').fill(fresh.customCommand);
  await form.getByRole('button', { name: 'Save llama.cpp' }).click();
  await expect(page.getByTestId('effective-llama-cpp')).toContainText(fresh.customCommand);
  await screenshot(page, 'firstrun-08-settings');
  // the runtime list may have run it with --version already; no instance has started with it
  const starts = () =>
    existsSync(fresh.marker)
      ? readFileSync(fresh.marker, 'utf8')
          .split('\n')
          .filter((l) => l.includes('.gguf'))
      : [];
  expect(starts()).toEqual([]);
  // the instance the guide started: stop it and start it again, no server restart
  await app.goto('Instances');
  const res = await page.request.post(`${fresh.url}/api/v1/instances/qwen3-0.6b/restart`, {
    headers: { Authorization: `Bearer ${(await import('./env')).MGMT_KEY}` },
  });
  expect(res.status()).toBe(200);
  await expect.poll(() => starts().length).toBe(1);
  expect(starts()[0]).toContain('Qwen3-0.6B-Q8_0.gguf');
  await page.setViewportSize({ width: 390, height: 844 });
  await app.open('/#/settings');
  await expect(page.getByTestId('effective-llama-cpp')).toContainText(fresh.customCommand);
  await noHorizontalScroll(page);
  await screenshot(page, 'firstrun-09-settings-phone');
});

test('the download dialog offers the token for a private repo and enables the download once it lists', async ({
  app,
  page,
  allowConsole,
}) => {
  // the hub listing answers 403 until the token is saved
  allowConsole(/status of 403/);
  await app.openSignedIn('/#/models');
  await app.models.downloadButton.click();
  const dialog = app.models.dialog;
  await dialog.getByLabel('Repository').fill(PRIVATE_REPO);
  await expect(dialog.getByText(/needs a Hugging Face token/)).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Start download' })).toBeDisabled();
  await dialog.getByRole('textbox', { name: 'Hugging Face token' }).fill(HUB_TOKEN);
  await screenshot(page, 'firstrun-10-token-needed');
  await dialog.getByRole('button', { name: 'Save token' }).click();
  await expect(app.models.quantization('Q4_K_M')).toBeAttached();
  await expect(dialog.getByRole('button', { name: 'Start download' })).toBeEnabled();
  await page.keyboard.press('Escape');
  // Settings shows it masked, never in full
  await app.open('/#/settings');
  const card = page.getByRole('region', { name: 'Hugging Face token' });
  await expect(card.getByTestId('hf-token-masked')).toHaveText('hf_…1234');
  await expect(page.getByText(HUB_TOKEN)).toHaveCount(0);
  await screenshot(page, 'firstrun-11-token-settings');
});

test('Local files lists the models folder and creates an instance with its vision projector', async ({
  app,
  page,
}) => {
  await app.openSignedIn('/#/models');
  const local = page.getByRole('region', { name: 'Local files' });
  await expect(local).toContainText(LOCAL_MODEL);
  await expect(local).toContainText('with vision projector');
  // "Add a file…" opens the desktop app's file dialog: a browser has no bridge, so no button
  await expect(local.getByRole('button', { name: /Add a file/ })).toHaveCount(0);
  await expectLocalFilesReadable(page);
  await screenshot(page, 'firstrun-12-local-files');
  await local.getByRole('button', { name: `Create instance from ${LOCAL_MODEL}` }).click();
  await expect(app.instances.dialog.root).toBeVisible();
  await expect(app.instances.dialog.field('Name')).toHaveValue('local-chat-q4_k_m');
  await expect(app.instances.dialog.commandPreview).toContainText('--mmproj');
  await expect(app.instances.dialog.commandPreview).toContainText('mmproj-local-chat-F16.gguf');
  await page.keyboard.press('Escape');
  // Create instance took us to the instances page
  await page.setViewportSize({ width: 390, height: 844 });
  await app.open('/#/models');
  await expect(local).toContainText(LOCAL_MODEL);
  await noHorizontalScroll(page);
  await expectLocalFilesReadable(page);
  await local.getByRole('table').scrollIntoViewIfNeeded();
  await screenshot(page, 'firstrun-13-local-files-phone');
});
