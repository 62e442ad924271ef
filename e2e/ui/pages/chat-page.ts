import type { Locator, Page } from '@playwright/test';

export class ChatPage {
  constructor(readonly page: Page) {}

  get model(): Locator {
    return this.page.getByLabel('Model', { exact: true });
  }
  get message(): Locator {
    return this.page.getByLabel('Message', { exact: true });
  }
  get send(): Locator {
    return this.page.getByRole('button', { name: 'Send', exact: true });
  }
  get stop(): Locator {
    return this.page.getByRole('button', { name: 'Stop', exact: true });
  }
  get answers(): Locator {
    return this.page.getByRole('article', { name: 'Answer' });
  }
  get lastAnswer(): Locator {
    return this.answers.last();
  }
  /** the text of an answer, without its header and figures */
  answerText(answer: Locator): Locator {
    return answer.locator('.md');
  }
  stats(answer: Locator): Locator {
    return answer.getByLabel('Answer statistics');
  }
  get conversations(): Locator {
    return this.page.getByRole('navigation', { name: 'Conversations' });
  }
  async setting(label: 'Temperature' | 'Top-p' | 'Max tokens', value: string): Promise<void> {
    const settings = this.page.getByRole('group', { name: 'Chat settings' });
    if (!(await settings.isVisible()))
      await this.page.getByRole('button', { name: 'Settings' }).click();
    await settings.getByLabel(label).fill(value);
  }
}
