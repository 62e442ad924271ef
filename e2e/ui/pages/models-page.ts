import type { Locator, Page } from '@playwright/test';

export class ModelsPage {
  constructor(readonly page: Page) {}

  get downloadButton(): Locator {
    return this.page.getByRole('button', { name: 'Download model' }).first();
  }
  get dialog(): Locator {
    return this.page.getByRole('dialog', { name: 'Download model' });
  }
  quantization(tag: string): Locator {
    return this.dialog.getByRole('radio', { name: new RegExp(tag) });
  }
  job(repo: string): Locator {
    return this.page
      .getByRole('region', { name: 'Downloads' })
      .locator('li')
      .filter({ hasText: repo });
  }
  progress(repo: string): Locator {
    return this.page.getByRole('progressbar', { name: new RegExp(`Download progress of ${repo}`) });
  }
  cachedRow(repo: string, tag: string): Locator {
    return this.page
      .getByRole('region', { name: 'Cached models' })
      .getByRole('row')
      .filter({ hasText: repo })
      .filter({ hasText: tag });
  }
}
