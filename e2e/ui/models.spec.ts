import { expect, screenshot, test } from './fixtures';
import {
  CANCEL_FILE,
  CANCEL_REPO,
  PROGRESS_REPO,
  QUANT_REPO,
  releaseStalledDownload,
  stallDownload,
} from './env';

test.describe.configure({ mode: 'serial' });

test('the download dialog lists quantizations and a chosen one downloads into the cache', async ({
  app,
  page,
}) => {
  await app.openSignedIn();
  await app.goto('Models');
  await expect(page.getByRole('heading', { name: 'No models yet' })).toBeVisible();
  await screenshot(page, '09-models-empty');
  await app.models.downloadButton.click();
  await app.models.dialog.getByLabel('Repository').fill(QUANT_REPO);
  await expect(app.models.quantization('Q8_0')).toBeAttached();
  await app.models.quantization('Q8_0').check({ force: true });
  await screenshot(page, '10-download-dialog');
  await app.models.dialog.getByRole('button', { name: 'Start download' }).click();
  await expect(app.models.cachedRow(QUANT_REPO, 'Q8_0')).toBeVisible();
  await expect(app.models.cachedRow(QUANT_REPO, 'Q8_0')).toContainText('llama');
});

test('a download shows progress, then completes', async ({ app, page }) => {
  await app.openSignedIn('#/models');
  await app.models.downloadButton.click();
  await app.models.dialog.getByLabel('Repository').fill(PROGRESS_REPO);
  await app.models.dialog.getByRole('button', { name: 'Start download' }).click();
  const bar = app.models.progress(PROGRESS_REPO);
  // the hub holds the file half way; the bar shows partial progress while it waits (the file
  // comes over parallel segments that take over each other's rest, so all but the held piece
  // may arrive: "at most 50 %" held only when the first event came early)
  await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
  expect(Number(await bar.getAttribute('aria-valuenow'))).toBeLessThan(100);
  await expect(app.models.job(PROGRESS_REPO)).toContainText('Downloading');
  await screenshot(page, '11-download-progress');
  await releaseStalledDownload();
  await expect(app.models.job(PROGRESS_REPO)).toContainText('Completed');
  await expect(app.models.cachedRow(PROGRESS_REPO, 'Q4_K_M')).toBeVisible();
  await screenshot(page, '12-models');

  await app.models
    .cachedRow(PROGRESS_REPO, 'Q4_K_M')
    .getByRole('button', { name: /Create instance from/ })
    .click();
  await expect(app.instances.dialog.root).toBeVisible();
  await expect(app.instances.dialog.field('Name')).toHaveValue('progress-q4_k_m');
  await expect(app.instances.dialog.commandPreview).toContainText('progress-Q4_K_M.gguf');
});

test('a download can be cancelled and then retried to completion', async ({ app }) => {
  await stallDownload(CANCEL_FILE, 4 << 20);
  await app.openSignedIn('#/models');
  await app.models.downloadButton.click();
  await app.models.dialog.getByLabel('Repository').fill(CANCEL_REPO);
  await app.models.dialog.getByRole('button', { name: 'Start download' }).click();
  const job = app.models.job(CANCEL_REPO);
  await expect(job).toContainText('Downloading');
  await job.getByRole('button', { name: /Cancel download/ }).click();
  await expect(job).toContainText('Cancelled');
  await releaseStalledDownload();
  await job.getByRole('button', { name: /Retry download/ }).click();
  // generous: on a loaded machine a resumed transfer may need the stall timeout and a retry
  await expect(app.models.job(CANCEL_REPO)).toContainText('Completed', { timeout: 45_000 });
  await expect(app.models.cachedRow(CANCEL_REPO, 'Q4_K_M')).toBeVisible();
});

test("a completed download's card stops showing the path of a model deleted since", async ({
  app,
  page,
}) => {
  await app.openSignedIn('#/models');
  const job = app.models.job(QUANT_REPO).filter({ hasText: 'Q8_0' });
  await expect(job).toContainText('Completed');
  await expect(job).toContainText('tiny-chat-Q8_0.gguf');
  await app.models
    .cachedRow(QUANT_REPO, 'Q8_0')
    .getByRole('button', { name: /^Delete/ })
    .click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete files' }).click();
  await expect(app.models.cachedRow(QUANT_REPO, 'Q8_0')).toHaveCount(0);
  await expect(job).toContainText('Deleted from the cache since');
  await expect(job).not.toContainText('tiny-chat-Q8_0.gguf');
  for (const theme of ['Light', 'Dark'] as const) {
    await page.getByRole('radio', { name: `${theme} theme` }).click();
    await screenshot(page, `download-card-deleted-${theme.toLowerCase()}`);
  }
});
