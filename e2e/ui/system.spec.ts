import { expect, screenshot, test } from './fixtures';

test('the system page shows the version, the nodes and the sanitized config', async ({
  app,
  page,
}) => {
  await app.openSignedIn();
  await app.goto('System');
  await expect(page.getByRole('region', { name: 'Nodes' }).getByText('this server')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Configuration' })).toContainText('"port_range"');
  await expect(page.getByRole('region', { name: 'Configuration' })).not.toContainText(
    'llamactl-mgmt-e2e',
  );
  await screenshot(page, '13-system');
});

test('the dark theme applies and stays after a reload', async ({ app, page }) => {
  await app.openSignedIn();
  await page.getByRole('radio', { name: 'Dark theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await screenshot(page, '14-instances-dark');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByRole('radio', { name: 'Light theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
});
