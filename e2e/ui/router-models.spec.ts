import { expect, screenshot, test } from './fixtures';
import { MGMT_KEY } from './env';

const NAME = 'e2e-router';
const api = (url: string, path: string, init: RequestInit = {}) =>
  fetch(url + path, {
    ...init,
    headers: { Authorization: `Bearer ${MGMT_KEY}`, 'Content-Type': 'application/json' },
  });

test('a llama.cpp instance in router mode lists its models and loads and unloads them', async ({
  app,
  page,
}) => {
  // no model: router mode; the fake backend lists the models named by --fake-models
  const created = await api(app.url, `/api/v1/instances/${NAME}`, {
    method: 'POST',
    body: JSON.stringify({
      backend_type: 'llama_cpp',
      backend_options: { extra_args: { 'fake-models': 'qwen-7b,llama-8b' } },
    }),
  });
  expect(created.status).toBe(201);
  try {
    await app.openSignedIn();
    await expect(app.instances.row(NAME)).toContainText('router mode');
    await app.instances.action(NAME, 'Start');
    await app.instances.expectStatus(NAME, 'Ready');
    await app.instances.menu(NAME, 'Router models');
    const dialog = page.getByRole('dialog', { name: `Models: ${NAME}` });
    const row = dialog.getByRole('row').filter({ hasText: 'qwen-7b' });
    await expect(row).toContainText('Unloaded');
    await row.getByRole('button', { name: 'Load' }).click();
    await expect(row).toContainText('Loaded');
    await screenshot(page, '20-router-models');
    await row.getByRole('button', { name: 'Unload' }).click();
    await expect(row).toContainText('Unloaded');
    await page.keyboard.press('Escape');
    await app.instances.action(NAME, 'Stop');
    await app.instances.expectStatus(NAME, 'Stopped');
  } finally {
    await api(app.url, `/api/v1/instances/${NAME}/stop`, { method: 'POST' });
    await api(app.url, `/api/v1/instances/${NAME}`, { method: 'DELETE' });
  }
});
