import { expect, screenshot, test } from './fixtures';

test('a wrong key is refused with a message and the right key opens the dashboard', async ({
  app,
  page,
  allowConsole,
}) => {
  // the browser logs the refused request itself
  allowConsole(/status of 401/);
  await app.open();
  await expect(page.getByRole('heading', { name: 'Sign in to Llamactl' })).toBeVisible();
  await screenshot(page, '01-sign-in');

  await app.signIn('llamactl-wrong-key');
  await expect(page.getByRole('alert')).toHaveText(/not accepted/);

  await app.signIn();
  await expect(page.getByRole('heading', { level: 1, name: 'Instances' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Live updates' })).toBeVisible();
});

test('a remembered key survives a reload and signing out forgets it', async ({ app, page }) => {
  await app.open();
  await app.signIn(undefined, { remember: true });
  await expect(app.nav('Instances')).toBeVisible();
  await page.reload();
  await expect(app.nav('Instances')).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(app.keyInput).toBeVisible();
  await page.reload();
  await expect(app.keyInput).toBeVisible();
});
