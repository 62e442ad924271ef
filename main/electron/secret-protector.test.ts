import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HfTokenStore, PROTECTED_TOKEN_FILE } from '../settings/hf-token';
import { resetFakeElectron, safeStorage } from './testing/fake-electron';
import { keychainLabel, safeStorageProtector } from './secret-protector';

vi.mock('electron', () => import('./testing/fake-electron'));

const TOKEN = 'hf_desktoptoken000000000000abcd';

let dir: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  resetFakeElectron();
  dir = mkdtempSync(join(tmpdir(), 'llamactl-safe-storage-'));
  mkdirSync(join(dir, 'data'));
  env = { HF_HOME: join(dir, 'hf-home') };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const store = (platform: NodeJS.Platform = 'linux') =>
  new HfTokenStore(env, { dataDir: join(dir, 'data'), protector: safeStorageProtector(platform) });
const sealed = () => join(dir, 'data', PROTECTED_TOKEN_FILE);

describe('the safeStorage protector of the Hugging Face token', () => {
  it('round-trips the token through safeStorage into <data_dir>/hf-token.enc, without a plain copy', async () => {
    const s = store();
    const status = await s.set({ token: TOKEN, storage: 'keychain' });
    expect(status).toMatchObject({ set: true, source: 'keychain', masked: 'hf_…abcd' });
    expect(status.keychain).toMatchObject({
      available: true,
      label: 'the Secret Service keyring (GNOME Keyring)',
    });
    const blob = readFileSync(sealed());
    expect(blob.subarray(0, 3).toString()).toBe('v11');
    expect(blob.includes(Buffer.from(TOKEN))).toBe(false);
    expect(statSync(sealed()).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir, 'hf-home', 'token'))).toBe(false);
    expect(safeStorage.decryptString(blob)).toBe(TOKEN);
    expect(store().token()).toBe(TOKEN);
  });

  it("does not offer Linux's basic_text backend (a hard-coded key) and keeps the token file", async () => {
    safeStorage.backend = 'basic_text';
    const s = store();
    const status = await s.status();
    expect(status.keychain).toMatchObject({ available: false });
    expect(status.keychain!.reason).toMatch(/no keyring.*fixed key/);
    await expect(s.set({ token: TOKEN, storage: 'keychain' })).rejects.toThrow(/fixed key/);
    expect(existsSync(sealed())).toBe(false);
    expect(await s.set({ token: TOKEN })).toMatchObject({ source: 'file', storage: 'file' });
  });

  it('offers nothing while safeStorage says encryption is unavailable (before ready, no keychain)', async () => {
    safeStorage.available = false;
    safeStorage.backend = 'unknown';
    const status = await store().status();
    expect(status.keychain).toMatchObject({ available: false });
    expect(status.keychain!.reason).toMatch(/not available/);
  });

  it('turns a decrypt failure after a keychain change into a clear error, and takes the token again', async () => {
    const s = store();
    await s.set({ token: TOKEN, storage: 'keychain' });
    safeStorage.key = 'keychain-key-2';
    const status = await s.status();
    expect(status).toMatchObject({ set: false, source: 'keychain' });
    expect(status.error).toMatch(/can no longer be decrypted.*Enter the token again/);
    expect(status.error).not.toMatch(/safeStorage/);
    expect(s.token()).toBeUndefined();
    expect(await s.set({ token: TOKEN })).toMatchObject({ set: true, source: 'keychain' });
    expect(s.token()).toBe(TOKEN);
  });

  it('never calls the Linux-only getSelectedStorageBackend on macOS or Windows', async () => {
    for (const platform of ['darwin', 'win32'] as const) {
      const { getSelectedStorageBackend: _linuxOnly, ...macStorage } = safeStorage;
      const p = safeStorageProtector(platform, macStorage as never);
      expect(p.unavailableReason()).toBeNull();
      expect(p.decrypt(p.encrypt(TOKEN))).toBe(TOKEN);
    }
    expect(keychainLabel('darwin', null)).toBe('the macOS Keychain');
    expect(keychainLabel('win32', null)).toMatch(/DPAPI/);
    expect(keychainLabel('linux', 'kwallet6')).toBe('KWallet');
  });
});
