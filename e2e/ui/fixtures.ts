import { test as base, expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { AppPage } from './pages/app-page';
import { SCREENSHOTS, serverUrl } from './env';

interface Fixtures {
  app: AppPage;
  /** the server the `app` page talks to: the global setup's, unless a spec provides its own */
  serverBaseUrl: string;
  /** console messages that are expected in this test (e.g. the 401 of a wrong key) */
  allowConsole: (re: RegExp) => void;
}

/**
 * `app`: a page on the dashboard whose console must stay clean: any console error, uncaught
 * exception or Content-Security-Policy violation fails the test, unless the test declared it
 * with `allowConsole`.
 */
export const test = base.extend<Fixtures & { consoleErrors: string[]; allowed: RegExp[] }>({
  // Playwright fixtures must destructure their dependencies, even when there are none
  // eslint-disable-next-line no-empty-pattern
  allowed: async ({}, use) => {
    await use([]);
  },
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await use(errors);
  },
  allowConsole: async ({ allowed }, use) => {
    await use((re) => allowed.push(re));
  },
  // eslint-disable-next-line no-empty-pattern
  serverBaseUrl: async ({}, use) => {
    await use(serverUrl());
  },
  app: async ({ page, consoleErrors, allowed, serverBaseUrl }, use) => {
    // Content-Security-Policy violations fail every spec, also those Chromium does not log
    // (report-only ones, violations in event handlers): the page records each one and a
    // binding hands it over.
    await page.exposeBinding('__reportCspViolation', (_source, text: string) =>
      consoleErrors.push(`csp: ${text}`),
    );
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        const report = (window as unknown as { __reportCspViolation(t: string): void })
          .__reportCspViolation;
        report(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}`);
      });
    });
    await use(new AppPage(page, serverBaseUrl));
    const unexpected = consoleErrors.filter((e) => !allowed.some((re) => re.test(e)));
    expect(unexpected, 'console errors').toEqual([]);
  },
});

export { expect };

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // let entry animations finish so the picture shows the settled UI
  await page.waitForTimeout(250);
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: false });
}
