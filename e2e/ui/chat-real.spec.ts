import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test as base, expect, screenshot } from './fixtures';
import { startRealLlamaServer, type RealLlamaServer } from './real-llama';

/**
 * The chat page against the REAL llama-server and a tiny model (the server and the model come
 * from e2e/ui/real-llama.ts; the global setup's fake-backend server is not used here).
 */
const execFileP = promisify(execFile);

const test = base.extend<object, { real: RealLlamaServer }>({
  real: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const real = await startRealLlamaServer('tiny');
      await use(real);
      await real.close();
    },
    { scope: 'worker', timeout: 600_000 },
  ],
  serverBaseUrl: async ({ real }, use) => {
    await use(real.url);
  },
});

test.describe('chat with the real llama-server', () => {
  test.setTimeout(180_000);

  test('streams an answer, stops a second one mid-stream, shows its figures and keeps the conversation', async ({
    app,
    page,
  }) => {
    await app.openSignedIn('/#/chat');
    await expect(page.getByRole('heading', { level: 1, name: 'Chat' })).toBeVisible();
    const chat = app.chat;
    await chat.model.selectOption('tiny');
    await chat.setting('Max tokens', '48');

    // The tiny model starts in a fraction of a second and generates faster than anyone can
    // watch: a slow network (latency, then a thin pipe) spreads its answer over seconds, so the
    // test can see the wait and the text arriving while the answer is still open.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 1500,
      downloadThroughput: 1500,
      uploadThroughput: -1,
    });

    await chat.message.fill('Tell me a story');
    await chat.message.press('Enter');
    const first = chat.answers.first();
    // the instance was stopped: the request starts it on demand ("Starting tiny…" while the
    // events say it is not ready; the component test holds that state to check the words)
    await expect(first.getByText(/Starting tiny…|Waiting for tiny…/)).toBeVisible();
    await expect(chat.answerText(first)).not.toBeEmpty({ timeout: 120_000 });
    // text is on screen while the answer is still streaming
    await expect(first).toHaveAttribute('aria-busy', 'true');
    await expect(chat.stop).toBeVisible();
    await expect(chat.stats(first)).toContainText(/First token [\d.]+ m?s · [\d,.]+ tokens\/s/, {
      timeout: 120_000,
    });
    await expect(chat.stats(first)).toContainText(/\d+ prompt \+ \d+ answer tokens/);
    await expect(first).toHaveAttribute('aria-busy', 'false');
    await screenshot(page, '30-chat-answer');

    await chat.setting('Max tokens', '300');
    await chat.message.fill('And another one');
    await chat.send.click();
    const second = chat.answers.nth(1);
    await expect(chat.answerText(second)).not.toBeEmpty({ timeout: 60_000 });
    const partial = await chat.answerText(second).innerText();
    await chat.stop.click();
    await expect(second.getByText('Stopped')).toBeVisible();
    await expect(chat.send).toBeVisible();
    // the partial answer stays
    const kept = await chat.answerText(second).innerText();
    expect(kept.length).toBeGreaterThanOrEqual(partial.length);

    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await page.reload();
    await expect(app.nav('Chat')).toBeVisible();
    const item = chat.conversations.getByRole('button', { name: /^Tell me a story/ });
    await expect(item).toBeVisible();
    await item.click();
    await expect(chat.answers).toHaveCount(2);
    await expect(page.getByText('And another one')).toBeVisible();
    await expect(chat.answers.nth(1).getByText('Stopped')).toBeVisible();
    await expect(chat.stats(chat.answers.first())).toContainText('tokens/s');
  });
});

test.describe('instance page with the real llama-server', () => {
  test.setTimeout(120_000);

  test('the copied curl snippet gets an answer when run as-is in a shell', async ({
    app,
    page,
    context,
    real,
  }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: real.url });
    await app.openSignedIn('/');
    await page.getByRole('link', { name: 'tiny', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('tiny');
    if (await page.getByRole('button', { name: 'Start', exact: true }).isVisible())
      await page.getByRole('button', { name: 'Start', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Ready', {
      timeout: 60_000,
    });
    await expect(page.getByRole('link', { name: "Open llama-server's page" })).toBeVisible();
    await expect(page.getByRole('log', { name: 'Log output of tiny' })).toContainText(
      /llama|server/i,
    );
    await page.getByRole('button', { name: 'Copy curl' }).click();
    const snippet = await page.evaluate(() => navigator.clipboard.readText());
    expect(snippet).toMatch(/^curl '/);
    const { stdout } = await execFileP('sh', ['-c', snippet], { timeout: 60_000 });
    const answer = JSON.parse(stdout) as { choices: { message: { content: string } }[] };
    expect(answer.choices[0].message.content.length).toBeGreaterThan(0);

    await screenshot(page, '31-instance-page-light');
    await page.getByRole('radio', { name: 'Dark theme' }).click();
    await screenshot(page, '32-instance-page-dark');
    await app.nav('Chat').click();
    await expect(page.getByRole('heading', { level: 1, name: 'Chat' })).toBeVisible();
    await screenshot(page, '33-chat-dark');
    await page.getByRole('radio', { name: 'Light theme' }).click();
  });
});
