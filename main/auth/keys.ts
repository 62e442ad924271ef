import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** llamactl's key formats: 32 random bytes as 64 lowercase hex characters behind a prefix. */
export const INFERENCE_KEY_PREFIX = 'llamactl-';
export const MANAGEMENT_KEY_PREFIX = 'llamactl-mgmt-';
export const MANAGEMENT_KEY_RE = /^llamactl-mgmt-[0-9a-f]{64}$/;
export const INFERENCE_KEY_RE = /^llamactl-[0-9a-f]{64}$/;

export function generateInferenceKey(): string {
  return INFERENCE_KEY_PREFIX + randomBytes(32).toString('hex');
}

export function generateManagementKey(): string {
  return MANAGEMENT_KEY_PREFIX + randomBytes(32).toString('hex');
}

/**
 * The stored form of an inference key. Keys are 256-bit random values, so a single fast hash
 * is as strong at rest as a slow password hash: there is no dictionary to try and 2^256 guesses
 * stay out of reach. A slow hash (llamactl runs Argon2id, 64 MiB, against every stored key on
 * every request) buys nothing here and turns each request, above all one with a wrong key, into
 * a CPU and memory cost an attacker controls. The hash is deterministic, so it is also the
 * lookup index. The `sha256:` prefix leaves room for another algorithm later.
 */
export function hashKey(key: string): string {
  return 'sha256:' + createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Constant-time equality of two strings of any length (compares their SHA-256 digests). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}
