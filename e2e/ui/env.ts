/** Values shared by the global setup and the specs. */
export const MGMT_KEY = 'llamactl-mgmt-e2e-1111111111111111111111111111111111111111111111111111';
export const E2E_ENV = { url: 'LLAMACTL_E2E_URL', control: 'LLAMACTL_E2E_CONTROL' } as const;
export const QUANT_REPO = 'tiny-org/tiny-chat-GGUF';
export const PROGRESS_REPO = 'tiny-org/progress-GGUF';
export const PROGRESS_FILE = 'progress-Q4_K_M.gguf';

export function serverUrl(): string {
  const u = process.env[E2E_ENV.url];
  if (!u) throw new Error('the e2e global setup did not start a server');
  return u;
}

export async function releaseStalledDownload(): Promise<void> {
  await fetch(`${process.env[E2E_ENV.control]}/release-stall`);
}

export const SCREENSHOTS = 'test-output/screenshots';
