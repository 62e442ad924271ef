import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretProtector } from '../settings/hf-token';

/**
 * An OS keychain stand-in for server tests: AES-256-GCM with a key held in memory, like
 * safeStorage's key in the keychain. `changeKey()` is a keychain that lost or replaced its
 * entry (decrypt throws); `unavailable` is a machine without one.
 */
export class TestProtector implements SecretProtector {
  unavailable: string | null = null;
  private key = randomBytes(32);

  label(): string {
    return 'the test keychain';
  }
  unavailableReason(): string | null {
    return this.unavailable;
  }
  changeKey(): void {
    this.key = randomBytes(32);
  }
  encrypt(plain: string): Buffer {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]);
  }
  decrypt(blob: Buffer): string {
    const d = createDecipheriv('aes-256-gcm', this.key, blob.subarray(0, 12));
    d.setAuthTag(blob.subarray(12, 28));
    return Buffer.concat([d.update(blob.subarray(28)), d.final()]).toString('utf8');
  }
}
