import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAppError } from '../../shared/errors';
import { TestProtector } from '../testing/test-protector';
import { HfTokenStore, PROTECTED_TOKEN_FILE } from './hf-token';

const TOKEN = 'hf_abcdefghijklmnopqrstuvwxyz1234';

let dir: string;
let env: NodeJS.ProcessEnv;
let plain: string;
let sealed: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llamactl-hf-token-'));
  env = { HF_HOME: join(dir, 'hf-home') };
  plain = join(dir, 'hf-home', 'token');
  sealed = join(dir, 'data', PROTECTED_TOKEN_FILE);
  mkdirSync(join(dir, 'data'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const store = (protector?: TestProtector) =>
  new HfTokenStore(env, { dataDir: join(dir, 'data'), protector });

async function refused(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isAppError(err)) throw new Error(`expected an AppError, got ${String(err)}`);
  return { code: err.code, message: err.message };
}

describe('the Hugging Face token store', () => {
  it('keeps the token in the HF token file at 0600 when no keychain is offered (the headless server)', async () => {
    const s = store();
    const status = await s.set({ token: TOKEN });
    expect(status).toEqual({
      set: true,
      source: 'file',
      masked: 'hf_…1234',
      file: plain,
      storage: 'file',
    });
    expect(readFileSync(plain, 'utf8')).toBe(TOKEN);
    expect(statSync(plain).mode & 0o777).toBe(0o600);
    expect(s.token()).toBe(TOKEN);
    expect(existsSync(sealed)).toBe(false);
  });

  it('refuses the keychain where there is none, naming the field', async () => {
    expect(await refused(store().set({ token: TOKEN, storage: 'keychain' }))).toMatchObject({
      code: 'validation_error',
      message: expect.stringMatching(/^storage: .*desktop app/),
    });
    expect(await refused(store().set({ token: TOKEN, storage: 'vault' }))).toMatchObject({
      code: 'validation_error',
      message: expect.stringMatching(/^storage: must be one of file, keychain/),
    });
    expect(existsSync(plain)).toBe(false);
  });

  it('encrypts the token with the keychain into the data folder at 0600 and writes no plain copy', async () => {
    writeFileSync(join(dir, 'data', 'settings.json'), '{}');
    mkdirSync(join(dir, 'hf-home'));
    writeFileSync(plain, 'hf_oldplaintoken0000');
    const p = new TestProtector();
    const s = store(p);
    const status = await s.set({ token: TOKEN, storage: 'keychain' });
    expect(status).toMatchObject({ set: true, source: 'keychain', storage: 'keychain' });
    expect(status.keychain).toEqual({ available: true, label: 'the test keychain', file: sealed });
    expect(statSync(sealed).mode & 0o777).toBe(0o600);
    expect(readFileSync(sealed).includes(Buffer.from(TOKEN))).toBe(false);
    expect(p.decrypt(readFileSync(sealed))).toBe(TOKEN);
    expect(existsSync(plain)).toBe(false);
    expect(s.token()).toBe(TOKEN);
    // a new token without a storage stays where the token is kept
    await s.set({ token: 'hf_second000000000005678' });
    expect(existsSync(plain)).toBe(false);
    expect(s.token()).toBe('hf_second000000000005678');
  });

  it('moves the stored token between the file and the keychain without asking for it again', async () => {
    const s = store(new TestProtector());
    await s.set({ token: TOKEN });
    expect(await s.set({ storage: 'keychain' })).toMatchObject({ source: 'keychain' });
    expect(existsSync(plain)).toBe(false);
    expect(existsSync(sealed)).toBe(true);
    expect(await s.set({ storage: 'file' })).toMatchObject({ source: 'file', masked: 'hf_…1234' });
    expect(readFileSync(plain, 'utf8')).toBe(TOKEN);
    expect(existsSync(sealed)).toBe(false);
    await s.clear();
    expect(await refused(s.set({ storage: 'keychain' }))).toMatchObject({
      code: 'validation_error',
      message: expect.stringMatching(/^token: /),
    });
  });

  it('reports an unavailable keychain with its reason and refuses to store there', async () => {
    const p = new TestProtector();
    p.unavailable = 'no keyring answers in this desktop session';
    const s = store(p);
    expect((await s.status()).keychain).toEqual({
      available: false,
      label: 'the test keychain',
      file: sealed,
      reason: 'no keyring answers in this desktop session',
    });
    expect(await refused(s.set({ token: TOKEN, storage: 'keychain' }))).toMatchObject({
      code: 'conflict',
      message: 'storage: no keyring answers in this desktop session',
    });
    expect(existsSync(sealed)).toBe(false);
  });

  it('says clearly when the keychain changed, asks for the token again and loses nothing else', async () => {
    writeFileSync(join(dir, 'data', 'settings.json'), '{"models":{}}');
    const p = new TestProtector();
    const s = store(p);
    await s.set({ token: TOKEN, storage: 'keychain' });
    p.changeKey();
    const status = await s.status();
    expect(status).toMatchObject({ set: false, source: 'keychain', storage: 'keychain' });
    expect(status.error).toMatch(/can no longer be decrypted.*Enter the token again/);
    expect(s.token()).toBeUndefined();
    // entering it again works, and the rest of the data folder is as it was
    expect(await s.set({ token: TOKEN })).toMatchObject({ set: true, source: 'keychain' });
    expect(s.token()).toBe(TOKEN);
    expect(readFileSync(join(dir, 'data', 'settings.json'), 'utf8')).toBe('{"models":{}}');
  });

  it('tells the headless server that the desktop app protected the token', async () => {
    await store(new TestProtector()).set({ token: TOKEN, storage: 'keychain' });
    const headless = store();
    const status = await headless.status();
    expect(status).toMatchObject({ set: false, source: 'keychain' });
    expect(status.error).toMatch(/desktop app/);
    expect(status.keychain).toBeUndefined();
    expect(headless.token()).toBeUndefined();
    // a token entered there (the form sends no storage) goes to the file and replaces it
    await headless.set({ token: TOKEN });
    expect(headless.token()).toBe(TOKEN);
    expect(existsSync(sealed)).toBe(false);
  });

  it('leaves HF_TOKEN in charge over both stores', async () => {
    const s = store(new TestProtector());
    await s.set({ token: TOKEN, storage: 'keychain' });
    env.HF_TOKEN = 'hf_fromtheenvironment9999';
    expect(s.token()).toBe('hf_fromtheenvironment9999');
    expect(await s.status()).toMatchObject({ source: 'environment', masked: 'hf_…9999' });
    expect((await refused(s.set({ storage: 'file' }))).code).toBe('conflict');
    expect((await refused(s.clear())).code).toBe('conflict');
    delete env.HF_TOKEN;
    expect((await s.clear()).set).toBe(false);
    expect(existsSync(sealed)).toBe(false);
  });
});
