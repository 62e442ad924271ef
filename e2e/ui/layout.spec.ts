import { expect, screenshot, test } from './fixtures';
import { e2eModelFile, MGMT_KEY, QUANT_REPO } from './env';
import { unreachable } from './layout-check';
import type { Page } from '@playwright/test';

const api = (url: string, path: string, init: RequestInit = {}) =>
  fetch(url + path, {
    ...init,
    headers: { Authorization: `Bearer ${MGMT_KEY}`, 'Content-Type': 'application/json' },
  });

test.describe('layout and keyboard', () => {
  const names = ['llama-8b', 'qwen-coder', 'mistral-small'];
  test.beforeAll(async () => {
    const url = process.env.LLAMACTL_E2E_URL!;
    for (const [i, n] of names.entries()) {
      await api(url, `/api/v1/instances/${n}`, {
        method: 'POST',
        body: JSON.stringify({
          backend_type: i === 2 ? 'vllm' : 'llama_cpp',
          backend_options: {
            model: i === 2 ? 'mistralai/Mistral-Small-Instruct' : e2eModelFile(`${n}-Q4_K_M.gguf`),
          },
          group: i === 0 ? 'chat' : undefined,
        }),
      });
    }
    await api(url, '/api/v1/instances/llama-8b/start', { method: 'POST' });
  });
  test.afterAll(async () => {
    const url = process.env.LLAMACTL_E2E_URL!;
    await api(url, '/api/v1/instances/llama-8b/stop', { method: 'POST' });
    for (const n of names) await api(url, `/api/v1/instances/${n}`, { method: 'DELETE' });
  });

  test('the create dialog opens and closes from the keyboard and gives focus back', async ({
    app,
    page,
  }) => {
    await app.openSignedIn();
    const create = page.getByRole('button', { name: 'Create instance', exact: true });
    await create.focus();
    await page.keyboard.press('Enter');
    await expect(app.instances.dialog.root).toBeVisible();
    await expect(app.instances.dialog.field('Name')).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(app.instances.dialog.root).toBeHidden();
    await expect(create).toBeFocused();

    await app.instances
      .row('llama-8b')
      .getByRole('button', { name: 'More actions for llama-8b' })
      .focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('menuitem', { name: 'Edit' })).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(page.getByRole('menuitem', { name: 'Restart' })).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(page.getByRole('menuitem', { name: 'Export JSON' })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('menu')).toBeHidden();
  });

  test('the dashboard fits narrower windows and the dark theme', async ({ app, page }) => {
    await app.openSignedIn();
    await app.instances.expectStatus('llama-8b', 'Ready');
    await page.getByRole('radio', { name: 'Dark theme' }).click();
    await screenshot(page, '15-instances-dark');
    await page.getByRole('radio', { name: 'Light theme' }).click();
    await screenshot(page, '16-instances-light');
    await page.setViewportSize({ width: 820, height: 900 });
    await expect(app.nav('Models')).toBeVisible();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, '17-instances-narrow');
    await app.instances.action('qwen-coder', 'Edit');
    await expect(app.instances.dialog.root).toBeVisible();
    await screenshot(page, '18-edit-narrow');
    await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(app.instances.row('llama-8b')).toBeVisible();
    await screenshot(page, '19-instances-phone');
    const phoneOverflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(phoneOverflow).toBeLessThanOrEqual(0);
  });
});

/** Fails with every control a person could not reach, after saving a picture of the screen. */
async function fits(page: Page, shot: string): Promise<void> {
  await screenshot(page, shot);
  expect(await unreachable(page), shot).toEqual([]);
}

for (const theme of ['light', 'dark'] as const) {
  test.describe(`every page and dialog at 390 px, ${theme}`, () => {
    test.use({
      viewport: { width: 390, height: 844 },
      colorScheme: theme,
    });
    const names = ['phone-one', 'phone-two-with-a-long-name-that-wraps'];
    test.beforeAll(async () => {
      const url = process.env.LLAMACTL_E2E_URL!;
      for (const n of names)
        await api(url, `/api/v1/instances/${n}`, {
          method: 'POST',
          body: JSON.stringify({
            backend_type: 'llama_cpp',
            backend_options: { model: e2eModelFile(`${n}-Q4_K_M.gguf`) },
          }),
        });
      await api(url, `/api/v1/instances/${names[0]}/start`, { method: 'POST' });
      await api(url, '/api/v1/models/download', {
        method: 'POST',
        body: JSON.stringify({ repo: `${QUANT_REPO}:Q4_K_M` }),
      });
    });
    test.afterAll(async () => {
      const url = process.env.LLAMACTL_E2E_URL!;
      await api(url, `/api/v1/instances/${names[0]}/stop`, { method: 'POST' });
      for (const n of names) await api(url, `/api/v1/instances/${n}`, { method: 'DELETE' });
      await api(url, `/api/v1/models?repo=${encodeURIComponent(QUANT_REPO)}&tag=Q4_K_M`, {
        method: 'DELETE',
      });
      const keys = (await (await api(url, '/api/v1/auth/keys')).json()) as {
        id: number;
        name: string;
      }[];
      for (const k of keys.filter((k) => k.name === 'phone-app'))
        await api(url, `/api/v1/auth/keys/${k.id}`, { method: 'DELETE' });
    });

    test('pages and dialogs leave nothing out of reach', async ({ app, page, allowConsole }) => {
      test.setTimeout(120_000);
      // the instance page asks whether the fake backend serves llama-server's page: it does not
      allowConsole(/(404 \(Not Found\)|502 \(Bad Gateway\))/);
      const p = (n: string) => `phone-${theme}-${n}`;
      await app.open('/');
      await expect(app.keyInput).toBeVisible();
      await fits(page, p('sign-in'));
      await app.signIn();
      await expect(app.instances.row(names[0])).toBeVisible();
      await app.instances.expectStatus(names[0], 'Ready');
      await fits(page, p('instances'));
      // the selection bar above the table
      await page.getByRole('checkbox', { name: 'Select all shown instances' }).check();
      await expect(page.getByRole('region', { name: 'Selected instances' })).toBeVisible();
      await fits(page, p('instances-selection'));
      await page.getByRole('checkbox', { name: 'Select all shown instances' }).uncheck();

      await app.instances.createButton.click();
      const dialog = app.instances.dialog;
      await expect(dialog.root).toBeVisible();
      for (const tab of ['General', 'Backend', 'Options', 'Advanced'] as const) {
        await dialog.tab(tab).click();
        await fits(page, p(`create-${tab.toLowerCase()}`));
      }
      await page.keyboard.press('Escape');
      await app.instances.menu(names[1], 'Edit');
      await expect(dialog.root).toBeVisible();
      await fits(page, p('edit'));
      await page.keyboard.press('Escape');
      await app.instances.action(names[0], 'Logs of');
      await expect(page.getByRole('dialog')).toBeVisible();
      await fits(page, p('logs'));
      await page.keyboard.press('Escape');
      await app.instances.menu(names[1], 'Delete');
      await expect(page.getByRole('dialog')).toBeVisible();
      await fits(page, p('delete-instance'));
      await page.keyboard.press('Escape');

      await page.getByRole('link', { name: names[0], exact: true }).click();
      await expect(page.getByRole('heading', { level: 1 })).toContainText(names[0]);
      await fits(page, p('instance-page'));

      await app.goto('Chat');
      await fits(page, p('chat'));

      await app.goto('Models');
      await expect(app.models.cachedRow(QUANT_REPO, 'Q4_K_M')).toBeVisible();
      await fits(page, p('models'));
      await app.models.downloadButton.click();
      await app.models.dialog.getByLabel('Repository').fill(QUANT_REPO);
      await expect(app.models.quantization('Q8_0')).toBeAttached();
      await fits(page, p('download'));
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: `Delete ${QUANT_REPO}:Q4_K_M` }).click();
      await expect(page.getByRole('dialog')).toBeVisible();
      await fits(page, p('delete-model'));
      await page.keyboard.press('Escape');

      await app.goto('API keys');
      await app.keys.createButton.click();
      await expect(app.keys.dialog).toBeVisible();
      await fits(page, p('create-key'));
      await app.keys.dialog.getByLabel('Name').fill('phone-app');
      await app.keys.dialog.getByRole('button', { name: 'Create key' }).click();
      await expect(app.keys.newKey).toBeVisible();
      await fits(page, p('keys'));
      await page.getByRole('button', { name: 'Delete key phone-app' }).click();
      await expect(page.getByRole('dialog')).toBeVisible();
      await fits(page, p('delete-key'));
      await page.keyboard.press('Escape');

      await app.goto('System');
      await fits(page, p('system'));
      await app.goto('Runtimes');
      await fits(page, p('runtimes'));
      await app.goto('Settings');
      await fits(page, p('settings'));
      await app.goto('Activity');
      await fits(page, p('activity'));
      await page.evaluate(() => (window.location.hash = '#/welcome'));
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await fits(page, p('welcome'));
    });
  });
}
