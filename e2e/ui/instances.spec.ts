import { expect, screenshot, test } from './fixtures';
import { e2eModelFile, MGMT_KEY } from './env';

const NAME = 'e2e-qwen';
// the server checks that a llama.cpp model file exists before it starts the instance
const MODEL = e2eModelFile('qwen2.5-0.5b-q4_k_m.gguf');

test.describe.configure({ mode: 'serial' });

test('the empty dashboard explains the first step', async ({ app, page }) => {
  await app.openSignedIn();
  await expect(page.getByRole('heading', { name: 'No instances yet' })).toBeVisible();
  await screenshot(page, '02-instances-empty');
});

test('an instance is created through the form, with its options imported from a command line', async ({
  app,
  page,
}) => {
  await app.openSignedIn();
  const { instances } = app;
  const dialog = instances.dialog;
  await instances.createButton.click();
  await expect(dialog.root).toBeVisible();
  await dialog.field('Name').fill('bad name!');
  await dialog.save(/Create instance/);
  await expect(dialog.root.getByText(/invalid characters/)).toBeVisible();
  await dialog.field('Name').fill(NAME);
  await dialog.field('Group').fill('small');
  await screenshot(page, '03-create-general');

  await dialog.importCommand(
    `llama-server -m ${MODEL} -c 4096 --temp 0.7 --no-webui --log-colors off`,
  );
  await expect(app.toast('Command imported')).toBeVisible();
  await screenshot(page, '04-create-backend');
  await dialog.tab('Options').click();
  await expect(dialog.option('model')).toHaveValue(MODEL);
  // the native file dialog is the desktop app's; a browser has no bridge and no Browse button
  expect(await page.evaluate(() => 'llamactlDesktop' in window)).toBe(false);
  await expect(dialog.root.getByRole('button', { name: /Browse/ })).toHaveCount(0);
  await expect(dialog.option('ctx_size')).toHaveValue('4096');
  await dialog.option('ctx_size').fill('abc');
  await expect(dialog.root.getByText('must be an integer')).toBeVisible();
  await dialog.option('ctx_size').fill('8192');
  await expect(dialog.commandPreview).toContainText('--ctx-size 8192');
  await expect(dialog.commandPreview).toContainText(`--model ${MODEL}`);
  await dialog.root.getByLabel('Search options').fill('temp');
  await expect(dialog.root.locator('[data-option="temp"]')).toBeVisible();
  await screenshot(page, '05-create-options');

  await dialog.save(/Create instance/);
  await expect(dialog.root).toBeHidden();
  await expect(instances.row(NAME)).toBeVisible();
  await instances.expectStatus(NAME, 'Stopped');
});

test('a started instance becomes ready, shows its logs, stops, is edited and deleted', async ({
  app,
  page,
}) => {
  await app.openSignedIn();
  const { instances } = app;
  await instances.action(NAME, 'Start');
  await instances.expectStatus(NAME, 'Ready');
  await screenshot(page, '06-instances-ready');

  await instances.action(NAME, 'Logs of');
  const logs = page.getByRole('log', { name: `Log output of ${NAME}` });
  await expect(logs).toContainText('fake-backend: listening on');
  await page.getByLabel('Search logs').fill('listening');
  await expect(page.getByText(/lines? match/)).toBeVisible();
  await screenshot(page, '07-logs');
  await page.getByRole('dialog').getByRole('button', { name: 'Close', exact: true }).last().click();

  await instances.action(NAME, 'Stop');
  await instances.expectStatus(NAME, 'Stopped');

  await instances.action(NAME, 'Edit');
  await instances.dialog.tab('Options').click();
  await instances.dialog.option('ctx_size').fill('16384');
  await instances.dialog.save(/Save changes/);
  await expect(instances.dialog.root).toBeHidden();
  const res = await fetch(`${app.url}/api/v1/instances/${NAME}`, {
    headers: { Authorization: `Bearer ${MGMT_KEY}` },
  });
  expect((await res.json()).options.backend_options.ctx_size).toBe(16384);

  await instances.menu(NAME, 'Delete');
  await page
    .getByRole('dialog', { name: `Delete ${NAME}?` })
    .getByRole('button', { name: 'Delete instance' })
    .click();
  await expect(instances.row(NAME)).toBeHidden();
});

test('an error from the server is shown inline next to the field it names', async ({
  app,
  page,
  allowConsole,
}) => {
  // the browser logs the refused request itself
  allowConsole(/status of 409/);
  const res = await fetch(`${app.url}/api/v1/instances/e2e-dup`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${MGMT_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ backend_type: 'llama_cpp', backend_options: { model: '/m.gguf' } }),
  });
  expect(res.status).toBe(201);
  await app.openSignedIn();
  await app.instances.createButton.click();
  const dialog = app.instances.dialog;
  await dialog.tab('Options').click();
  await dialog.option('port').fill('99999');
  await expect(dialog.root.getByText('must be between 0 and 65535')).toBeVisible();
  await dialog.option('port').fill('');
  await dialog.tab('General').click();
  await dialog.field('Name').fill('e2e-dup');
  await dialog.save(/Create instance/);
  await expect(dialog.field('Name')).toHaveAttribute('aria-invalid', 'true');
  // said once, as a sentence, on the name (the summary above only points at the field)
  await expect(dialog.root.locator('.field-error')).toHaveText(
    'The name is already taken. Choose another one.',
  );
  await expect(dialog.root.getByText(/already taken/)).toHaveCount(1);
  await expect(dialog.field('Name')).toBeFocused();
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await screenshot(page, `form-error-${scheme}`);
  }
  await page.keyboard.press('Escape');
  await expect(dialog.root).toBeHidden();
  await fetch(`${app.url}/api/v1/instances/e2e-dup`, {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${MGMT_KEY}` },
  });
});
