import { expect, type Locator, type Page } from '@playwright/test';

export class InstanceDialog {
  readonly root: Locator;
  constructor(readonly page: Page) {
    this.root = page.getByRole('dialog');
  }
  tab(name: 'General' | 'Backend' | 'Options' | 'Advanced'): Locator {
    return this.root.getByRole('tab', { name });
  }
  field(label: string | RegExp): Locator {
    return this.root.getByLabel(label);
  }
  option(key: string): Locator {
    return this.root.locator(`[data-option="${key}"]`).getByRole('textbox');
  }
  get commandPreview(): Locator {
    return this.root.getByTestId('command-preview');
  }
  async importCommand(command: string): Promise<void> {
    await this.tab('Backend').click();
    await this.root.getByLabel('Command line to import').fill(command);
    await this.root.getByRole('button', { name: 'Import command' }).click();
  }
  async save(label: RegExp = /Create instance|Save changes|Save and restart/): Promise<void> {
    await this.root.getByRole('button', { name: label }).click();
  }
}

export class InstancesPage {
  readonly dialog: InstanceDialog;
  constructor(readonly page: Page) {
    this.dialog = new InstanceDialog(page);
  }

  get createButton(): Locator {
    return this.page.getByRole('button', { name: 'Create instance' }).first();
  }

  row(name: string): Locator {
    return this.page.locator(`tr[data-instance="${name}"]`);
  }

  /** why the last start failed, on the row */
  startError(name: string): Locator {
    return this.row(name).locator('.start-error');
  }

  status(name: string): Locator {
    return this.row(name).locator('.badge').first();
  }

  async action(name: string, action: 'Start' | 'Stop' | 'Logs of' | 'Edit'): Promise<void> {
    await this.page.getByRole('button', { name: `${action} ${name}`, exact: true }).click();
  }

  async menu(
    name: string,
    item: 'Edit' | 'Restart' | 'Delete' | 'Export JSON' | 'Router models',
  ): Promise<void> {
    await this.page.getByRole('button', { name: `More actions for ${name}` }).click();
    await this.page.getByRole('menuitem', { name: item }).click();
  }

  async expectStatus(name: string, label: string, timeout = 20_000): Promise<void> {
    await expect(this.status(name)).toHaveText(label, { timeout });
  }
}
