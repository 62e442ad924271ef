import { expect, type Locator, type Page } from '@playwright/test';
import { MGMT_KEY } from '../env';
import { ChatPage } from './chat-page';
import { InstancesPage } from './instances-page';
import { KeysPage } from './keys-page';
import { ModelsPage } from './models-page';

export type NavName =
  'Instances' | 'Chat' | 'Models' | 'Runtimes' | 'Activity' | 'API keys' | 'Settings' | 'System';

export class AppPage {
  readonly instances: InstancesPage;
  readonly models: ModelsPage;
  readonly keys: KeysPage;
  readonly chat: ChatPage;
  constructor(
    readonly page: Page,
    readonly url: string,
  ) {
    this.instances = new InstancesPage(page);
    this.models = new ModelsPage(page);
    this.keys = new KeysPage(page);
    this.chat = new ChatPage(page);
  }

  get keyInput(): Locator {
    return this.page.getByLabel('Management key');
  }

  async open(path = '/'): Promise<void> {
    await this.page.goto(this.url + path);
  }

  async signIn(key = MGMT_KEY, opts: { remember?: boolean } = {}): Promise<void> {
    await this.keyInput.fill(key);
    if (opts.remember) await this.page.getByLabel('Remember me on this browser').check();
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Opens the dashboard and signs in with the management key. */
  async openSignedIn(path = '/'): Promise<void> {
    await this.open(path);
    await this.signIn();
    await expect(this.nav('Instances')).toBeVisible();
  }

  nav(name: NavName): Locator {
    return this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });
  }

  async goto(name: NavName): Promise<void> {
    await this.nav(name).click();
    await expect(this.page.getByRole('heading', { level: 1, name })).toBeVisible();
  }

  toast(text: string | RegExp): Locator {
    return this.page.locator('.toaster').getByText(text);
  }
}
