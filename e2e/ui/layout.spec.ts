import { expect, screenshot, test } from './fixtures';
import { e2eModelFile, MGMT_KEY } from './env';

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
