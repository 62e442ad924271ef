import type { Locator, Page } from '@playwright/test';

export class KeysPage {
  constructor(readonly page: Page) {}

  get createButton(): Locator {
    return this.page.getByRole('button', { name: 'Create API key' });
  }
  get dialog(): Locator {
    return this.page.getByRole('dialog', { name: 'Create API key' });
  }
  get newKey(): Locator {
    return this.page.getByTestId('new-api-key');
  }
  row(name: string): Locator {
    return this.page
      .getByRole('region', { name: 'API keys' })
      .getByRole('row')
      .filter({ hasText: name });
  }
}
