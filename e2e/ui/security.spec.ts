import { MGMT_KEY } from './env';
import { expect, test } from './fixtures';

test('the dashboard is served with its Content-Security-Policy and runs without a violation', async ({
  app,
  page,
}) => {
  const response = await page.goto(app.url + '/');
  const headers = response!.headers();
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  // the inline theme script of index.html is allowed by its hash, so it ran before first paint
  await expect(page.locator('html')).toHaveAttribute('data-theme', /^(light|dark)$/);
  await app.signIn();
  await expect(app.nav('Instances')).toBeVisible();
  for (const name of ['Chat', 'Models', 'Activity', 'API keys', 'System', 'Instances'] as const)
    await app.goto(name);
  // the fixture fails the test on any securitypolicyviolation event or console error
});

test('Swagger UI runs under its own script policy without a violation', async ({ app, page }) => {
  const response = await page.goto(`${app.url}/swagger/#api_key=${MGMT_KEY}`);
  const csp = response!.headers()['content-security-policy'];
  expect(csp).toMatch(/(^|; )script-src 'self'(;|$)/);
  expect(csp).toContain("frame-ancestors 'none'");
  // the document was fetched with the key and rendered: the bundle and initializer.js ran
  await expect(page.getByRole('heading', { name: /Llamactl Desktop API/ })).toBeVisible();
  // the key left the address bar (and the history) before Swagger UI read the fragment
  expect(page.url()).not.toContain(MGMT_KEY);
  // "Try it out" sends the key with its request, to this server only
  const op = page.locator('.opblock', {
    has: page.locator('.opblock-summary-path[data-path="/api/v1/instances"]'),
  });
  await op.locator('.opblock-summary-path[data-path="/api/v1/instances"]').click();
  await op.getByRole('button', { name: 'Try it out' }).click();
  await op.getByRole('button', { name: 'Execute' }).click();
  await expect(op.locator('.live-responses-table tbody .response-col_status').first()).toHaveText(
    '200',
  );
  // the fixture fails the test on any securitypolicyviolation event or console error
});

test('another page cannot frame the dashboard', async ({ page, serverBaseUrl }) => {
  const refused: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') refused.push(m.text());
  });
  await page.setContent(`<iframe title="framed" src="${serverBaseUrl}/"></iframe>`);
  await expect.poll(() => refused.join('\n')).toMatch(/frame-ancestors|X-Frame-Options/);
  const frame = page.frame({ url: (u) => u.href.startsWith(serverBaseUrl) });
  expect(
    await frame
      ?.locator('#root')
      .count()
      .catch(() => 0),
  ).toBeFalsy();
});
