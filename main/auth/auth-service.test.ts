import { mkdtempSync, rmSync, statSync, writeFileSync, chmodSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load-config';
import { silentLogger } from '../logger';
import { openDatabase, type Db } from '../store/database';
import { AuthService } from './auth-service';
import { MANAGEMENT_KEY_RE, INFERENCE_KEY_RE, hashKey } from './keys';
import { MANAGEMENT_KEY_FILE } from './management-key';

const MGMT = 'llamactl-mgmt-configured';
let dir: string;
let db: Db;
let clock: number;

function config(auth: Record<string, unknown> = { management_keys: [MGMT] }) {
  return loadConfig({ env: {}, files: false, overrides: { data_dir: dir, auth } });
}
function service(auth?: Record<string, unknown>) {
  return new AuthService(config(auth), db, silentLogger, { now: () => clock });
}
function addInstance(name: string): number {
  const info = db
    .prepare(
      'INSERT INTO instances (name, created_at, updated_at, options_json) VALUES (?, 0, 0, ?)',
    )
    .run(name, '{}');
  return Number(info.lastInsertRowid);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llamactl-auth-'));
  db = openDatabase(':memory:');
  clock = 1_800_000_000;
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('creating API keys validates in llamactl order', () => {
  const cases: Array<{ name: string; body: unknown; code: string; details: RegExp }> = [
    { name: 'a non-object body', body: [1], code: 'invalid_json', details: /expected an object/ },
    {
      name: 'a name that is not a string',
      body: { name: 5, permission_mode: 'allow_all' },
      code: 'invalid_json',
      details: /name must be a string/,
    },
    {
      name: 'a missing name (checked before the mode)',
      body: { permission_mode: 'bogus' },
      code: 'invalid_name',
      details: /^Name is required$/,
    },
    {
      name: 'a name over 100 bytes',
      body: { name: 'é'.repeat(51), permission_mode: 'allow_all' },
      code: 'invalid_name',
      details: /^Name must be 100 characters or less$/,
    },
    {
      name: 'an unknown permission mode',
      body: { name: 'a', permission_mode: 'some' },
      code: 'invalid_permission_mode',
      details: /'allow_all' or 'per_instance'/,
    },
    {
      name: 'a missing permission mode',
      body: { name: 'a' },
      code: 'invalid_permission_mode',
      details: /'allow_all' or 'per_instance'/,
    },
    {
      name: 'per_instance without ids',
      body: { name: 'a', permission_mode: 'per_instance', instance_ids: [] },
      code: 'missing_permissions',
      details: /Instance IDs required/,
    },
    {
      name: 'an expiry in the past (checked before ids exist)',
      body: {
        name: 'a',
        permission_mode: 'per_instance',
        instance_ids: [999],
        expires_at: 1_799_999_999,
      },
      code: 'invalid_expires_at',
      details: /^Expiration time must be in future$/,
    },
    {
      name: 'an expiry equal to now',
      body: { name: 'a', permission_mode: 'allow_all', expires_at: 1_800_000_000 },
      code: 'invalid_expires_at',
      details: /in future/,
    },
    {
      name: 'a fractional expiry',
      body: { name: 'a', permission_mode: 'allow_all', expires_at: 1.5 },
      code: 'invalid_json',
      details: /expires_at must be an integer/,
    },
    {
      name: 'an unknown instance id',
      body: { name: 'a', permission_mode: 'per_instance', instance_ids: [999] },
      code: 'invalid_instance_id',
      details: /^Instance ID 999 does not exist$/,
    },
    {
      name: 'ids that are not integers',
      body: { name: 'a', permission_mode: 'per_instance', instance_ids: ['1'] },
      code: 'invalid_json',
      details: /instance_ids must be an array of integers/,
    },
  ];
  it.each(cases)('refuses $name with $code', ({ body, code, details }) => {
    const auth = service();
    let err: any;
    try {
      auth.createKey(body);
    } catch (e) {
      err = e;
    }
    expect(err?.code).toBe(code);
    expect(err?.details).toMatch(details);
    expect(auth.listKeys()).toEqual([]);
  });
});

describe('API keys', () => {
  it('returns a llamactl-format key once and stores only its SHA-256', () => {
    const auth = service();
    const created = auth.createKey({ name: 'ci', permission_mode: 'allow_all' });
    expect(created.key).toMatch(INFERENCE_KEY_RE);
    expect(created).toMatchObject({
      name: 'ci',
      user_id: 'system',
      permission_mode: 'allow_all',
      expires_at: null,
      last_used_at: null,
      created_at: clock,
    });
    const row = db.prepare('SELECT key_hash FROM api_keys WHERE id = ?').get(created.id) as {
      key_hash: string;
    };
    expect(row.key_hash).toBe(hashKey(created.key));
    expect(row.key_hash).not.toContain(created.key.slice('llamactl-'.length));
    expect(auth.listKeys()[0]).not.toHaveProperty('key');
  });

  it('verifies a key, and verifies it again after a restart from the database alone', () => {
    const created = service().createKey({ name: 'a', permission_mode: 'allow_all' });
    const restarted = service();
    expect(restarted.verifyInference(created.key)).toMatchObject({
      kind: 'inference',
      keyId: created.id,
      mode: 'allow_all',
    });
    expect(restarted.verifyInference(created.key + 'x')).toBeNull();
    expect(restarted.verifyInference('')).toBeNull();
  });

  it('refuses a key once its expiry has passed', () => {
    const auth = service();
    const created = auth.createKey({
      name: 'a',
      permission_mode: 'allow_all',
      expires_at: clock + 60,
    });
    expect(auth.verifyInference(created.key)).not.toBeNull();
    clock += 59;
    expect(auth.verifyInference(created.key)).not.toBeNull();
    clock += 1;
    expect(auth.verifyInference(created.key)).toBeNull();
    expect(service().verifyInference(created.key)).toBeNull();
    expect(auth.listKeys()).toHaveLength(1); // expired keys stay listed, as in llamactl
  });

  it('records per-instance permissions and grants exactly those instances', () => {
    const a = addInstance('a');
    const b = addInstance('b');
    const c = addInstance('c');
    const auth = service();
    const created = auth.createKey({
      name: 'k',
      permission_mode: 'per_instance',
      instance_ids: [c, a, a],
    });
    expect(auth.keyPermissions(created.id)).toEqual([
      { instance_id: a, instance_name: 'a' },
      { instance_id: c, instance_name: 'c' },
    ]);
    const ctx = service().verifyInference(created.key)!;
    expect(auth.canAccessInstance(ctx, a)).toBe(true);
    expect(auth.canAccessInstance(ctx, b)).toBe(false);
    expect(auth.canAccessInstance(ctx, c)).toBe(true);
    expect(() => auth.assertInstanceAccess(ctx, b)).toThrow(
      /key does not have access to this instance/,
    );
  });

  it('drops instance ids sent with allow_all and grants every instance', () => {
    const a = addInstance('a');
    const auth = service();
    const created = auth.createKey({ name: 'k', permission_mode: 'allow_all', instance_ids: [a] });
    expect(auth.keyPermissions(created.id)).toEqual([]);
    expect(auth.canAccessInstance(auth.verifyInference(created.key)!, 12345)).toBe(true);
  });

  it('removes grants when their instance is deleted', () => {
    const a = addInstance('a');
    const auth = service();
    const created = auth.createKey({
      name: 'k',
      permission_mode: 'per_instance',
      instance_ids: [a],
    });
    db.prepare('DELETE FROM instances WHERE id = ?').run(a);
    expect(auth.keyPermissions(created.id)).toEqual([]);
  });

  it('forgets a deleted key at once', () => {
    const auth = service();
    const created = auth.createKey({ name: 'k', permission_mode: 'allow_all' });
    auth.deleteKey(created.id);
    expect(auth.verifyInference(created.key)).toBeNull();
    expect(() => auth.getKey(created.id)).toThrow('API key not found');
    expect(() => auth.deleteKey(created.id)).toThrow('API key not found');
  });

  it('forgets a deleted key at once even right after it was used', () => {
    const auth = service();
    const created = auth.createKey({ name: 'k', permission_mode: 'allow_all' });
    expect(auth.verifyInference(created.key)).not.toBeNull();
    expect(auth.verifyInference(created.key)).not.toBeNull();
    auth.deleteKey(created.id);
    expect(auth.verifyInference(created.key)).toBeNull();
  });

  it('still refuses wrong keys and keeps working past the bound on remembered keys', () => {
    const auth = service();
    const keys = Array.from({ length: 1030 }, (_, i) =>
      auth.createKey({ name: `k${i}`, permission_mode: 'allow_all' }),
    );
    for (const k of keys) expect(auth.verifyInference(k.key)).toMatchObject({ keyId: k.id });
    for (const k of keys) expect(auth.verifyInference(k.key)).toMatchObject({ keyId: k.id });
    expect(auth.verifyInference(keys[0].key + 'x')).toBeNull();
    expect(auth.verifyInference(MGMT)).toEqual({ kind: 'management' });
    expect(auth.verifyInference(MGMT)).toEqual({ kind: 'management' });
  });

  it('lists newest first', () => {
    const auth = service();
    auth.createKey({ name: 'old', permission_mode: 'allow_all' });
    clock += 10;
    auth.createKey({ name: 'new', permission_mode: 'allow_all' });
    expect(auth.listKeys().map((k) => k.name)).toEqual(['new', 'old']);
  });

  it('records last use at most once per second', async () => {
    const auth = service();
    const created = auth.createKey({ name: 'k', permission_mode: 'allow_all' });
    auth.verifyInference(created.key);
    await vi.waitFor(() => expect(auth.getKey(created.id).last_used_at).toBe(clock));
    clock += 5;
    auth.verifyInference(created.key);
    await vi.waitFor(() => expect(auth.getKey(created.id).last_used_at).toBe(clock));
  });

  it('accepts management keys for inference with access to every instance', () => {
    const auth = service();
    const ctx = auth.verifyInference(MGMT);
    expect(ctx).toEqual({ kind: 'management' });
    expect(auth.canAccessInstance(ctx!, 1)).toBe(true);
    expect(auth.isManagementKey(MGMT)).toBe(true);
    expect(auth.isManagementKey(MGMT + ' ')).toBe(false);
  });

  it('does not accept an inference key as a management key', () => {
    const auth = service();
    const created = auth.createKey({ name: 'k', permission_mode: 'allow_all' });
    expect(auth.isManagementKey(created.key)).toBe(false);
  });
});

describe('generated management key', () => {
  it('is generated on first start, kept with mode 0600 and reused after a restart', () => {
    const first = service({ management_keys: [] });
    const key = first.managementKey();
    expect(key).toMatch(MANAGEMENT_KEY_RE);
    const info = first.managementKeyInfo();
    expect(info).toMatchObject({
      source: 'generated',
      createdNow: true,
      file: join(dir, MANAGEMENT_KEY_FILE),
    });
    expect(statSync(info.file!).mode & 0o777).toBe(0o600);
    const second = service({ management_keys: [] });
    expect(second.managementKey()).toBe(key);
    expect(second.managementKeyInfo().createdNow).toBe(false);
    expect(second.isManagementKey(key)).toBe(true);
  });

  it('is not generated when keys are configured or management auth is off', () => {
    expect(service({ management_keys: ['mine'] }).managementKeyInfo()).toMatchObject({
      source: 'config',
      file: null,
    });
    expect(
      service({ management_keys: [], require_management_auth: false }).managementKeyInfo(),
    ).toMatchObject({ source: 'none' });
    expect(() => statSync(join(dir, MANAGEMENT_KEY_FILE))).toThrow();
  });

  it('tightens a key file that other users could read', () => {
    writeFileSync(join(dir, MANAGEMENT_KEY_FILE), 'llamactl-mgmt-' + 'a'.repeat(64) + '\n');
    chmodSync(join(dir, MANAGEMENT_KEY_FILE), 0o644);
    const auth = service({ management_keys: [] });
    expect(auth.managementKey()).toBe('llamactl-mgmt-' + 'a'.repeat(64));
    expect(statSync(join(dir, MANAGEMENT_KEY_FILE)).mode & 0o777).toBe(0o600);
  });

  it('replaces an empty key file', () => {
    writeFileSync(join(dir, MANAGEMENT_KEY_FILE), '');
    const auth = service({ management_keys: [] });
    expect(auth.managementKey()).toMatch(MANAGEMENT_KEY_RE);
    expect(readFileSync(join(dir, MANAGEMENT_KEY_FILE), 'utf8').trim()).toBe(auth.managementKey());
  });
});

describe('large requests', () => {
  it('checks tens of thousands of instance ids without hitting SQLite limits', () => {
    const a = addInstance('a');
    const ids = [a, ...Array.from({ length: 40_000 }, (_, i) => 100_000 + i)];
    expect(() =>
      service().createKey({ name: 'k', permission_mode: 'per_instance', instance_ids: ids }),
    ).toThrow('Instance ID 100000 does not exist');
  });
});
