import { expect, screenshot, test } from './fixtures';
import { MGMT_KEY } from './env';

test('an API key created in the dashboard works against /v1/models', async ({ app, page }) => {
  // an instance for /v1/models to list
  const created = await fetch(`${app.url}/api/v1/instances/e2e-keys`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${MGMT_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      backend_type: 'llama_cpp',
      backend_options: { model: '/models/m.gguf' },
    }),
  });
  expect(created.status).toBe(201);

  await app.openSignedIn();
  await app.goto('API keys');
  await expect(page.getByRole('heading', { name: 'No API keys yet' })).toBeVisible();
  await app.keys.createButton.click();
  await app.keys.dialog.getByRole('button', { name: 'Create key' }).click();
  await expect(app.keys.dialog.getByText(/Give the key a name/)).toBeVisible();
  await app.keys.dialog.getByLabel('Name').fill('e2e client');
  await app.keys.dialog.getByLabel('Chosen instances').check();
  await app.keys.dialog.getByLabel('e2e-keys').check();
  await app.keys.dialog.getByRole('button', { name: 'Create key' }).click();
  await expect(app.keys.newKey).toHaveText(/^llamactl-/);
  const key = (await app.keys.newKey.textContent())!.trim();
  await expect(app.keys.row('e2e client')).toContainText('Chosen instances');
  await expect(page.getByText(`api_key="${key}"`)).toBeVisible();
  await screenshot(page, '08-api-keys');

  const res = await fetch(`${app.url}/v1/models`, { headers: { Authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: { id: string }[] };
  expect(body.data.map((m) => m.id)).toContain('e2e-keys');
  const refused = await fetch(`${app.url}/v1/models`, {
    headers: { Authorization: 'Bearer llamactl-not-a-key' },
  });
  expect(refused.status).toBe(401);

  await app.keys.row('e2e client').getByRole('button', { name: 'Delete key e2e client' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete key' }).click();
  await expect(app.keys.row('e2e client')).toBeHidden();
  await fetch(`${app.url}/api/v1/instances/e2e-keys`, {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${MGMT_KEY}` },
  });
});
