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
