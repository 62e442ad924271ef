import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Values shared by the global setup and the specs. */
export const MGMT_KEY = 'llamactl-mgmt-e2e-1111111111111111111111111111111111111111111111111111';
export const E2E_ENV = { url: 'LLAMACTL_E2E_URL', control: 'LLAMACTL_E2E_CONTROL' } as const;
export const QUANT_REPO = 'tiny-org/tiny-chat-GGUF';
export const PROGRESS_REPO = 'tiny-org/progress-GGUF';
export const PROGRESS_FILE = 'progress-Q4_K_M.gguf';
export const CANCEL_REPO = 'tiny-org/cancel-me-GGUF';
export const CANCEL_FILE = 'cancel-me-Q4_K_M.gguf';

export function serverUrl(): string {
  const u = process.env[E2E_ENV.url];
  if (!u) throw new Error('the e2e global setup did not start a server');
  return u;
}

export async function releaseStalledDownload(): Promise<void> {
  await fetch(`${process.env[E2E_ENV.control]}/release-stall`);
}

/** Makes the fake hub hold `path` at byte `at` until released. */
export async function stallDownload(path: string, at: number): Promise<void> {
  await fetch(`${process.env[E2E_ENV.control]}/stall?path=${encodeURIComponent(path)}&at=${at}`);
}

export const SCREENSHOTS = 'test-output/screenshots';

/** An empty model file: the server checks that a llama.cpp model file exists before a start. */
export function e2eModelFile(name: string): string {
  const dir = join(tmpdir(), 'llamactl-e2e-models');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), '');
  return join(dir, name);
}
