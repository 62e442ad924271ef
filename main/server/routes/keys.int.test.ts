import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../testing/test-server';

const json = { 'Content-Type': 'application/json' };

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('API key endpoints', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(() => server.close());

  async function create(body: unknown) {
    return server.api('/api/v1/auth/keys', {
      method: 'POST',
      headers: json,
      body: JSON.stringify(body),
    });
  }

  it('creates a key (201, key shown once), lists and gets it without the key, deletes it (204, then 404)', async () => {
    const res = await create({ name: 'ci', permission_mode: 'allow_all' });
    expect(res.status).toBe(201);
    const created = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(created).sort()).toEqual(
      [
        'created_at',
        'expires_at',
        'id',
        'key',
        'last_used_at',
        'name',
        'permission_mode',
        'updated_at',
        'user_id',
      ].sort(),
    );
    expect(created.key).toMatch(/^llamactl-[0-9a-f]{64}$/);

    const list = (await (await server.api('/api/v1/auth/keys')).json()) as Array<
      Record<string, unknown>
    >;
    expect(list).toHaveLength(1);
    expect(list[0]).not.toHaveProperty('key');
    expect(JSON.stringify(list)).not.toContain(created.key as string);

    const one = await server.api(`/api/v1/auth/keys/${created.id}/`);
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual(list[0]);

    expect((await server.api(`/api/v1/auth/keys/${created.id}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    const gone = await server.api(`/api/v1/auth/keys/${created.id}`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ error: 'not_found', details: 'API key not found' });
    expect(server.services.auth.verifyInference(created.key as string)).toBeNull();
  });

  it('answers an id that is not an integer with 400 invalid_id', async () => {
    for (const path of ['/api/v1/auth/keys/abc', '/api/v1/auth/keys/1.5/permissions']) {
      const res = await server.api(path);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'invalid_id', details: 'Invalid key ID' });
    }
    expect((await server.api('/api/v1/auth/keys/abc', { method: 'DELETE' })).status).toBe(400);
  });

  it('lists the permission records of a per-instance key with instance names', async () => {
    const db = server.services.db;
    const add = (name: string) =>
      Number(
        db
          .prepare(
            "INSERT INTO instances (name, created_at, updated_at, options_json) VALUES (?, 0, 0, '{}')",
          )
          .run(name).lastInsertRowid,
      );
    const a = add('alpha');
    const b = add('beta');
    const created = (await (
      await create({ name: 'k', permission_mode: 'per_instance', instance_ids: [b, a] })
    ).json()) as { id: number };
    const perms = await server.api(`/api/v1/auth/keys/${created.id}/permissions`);
    expect(await perms.json()).toEqual([
      { instance_id: a, instance_name: 'alpha' },
      { instance_id: b, instance_name: 'beta' },
    ]);
    const bad = await create({
      name: 'k2',
      permission_mode: 'per_instance',
      instance_ids: [a, 424242],
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: 'invalid_instance_id',
      details: 'Instance ID 424242 does not exist',
    });
  });

  it('never writes a plain key to disk (database, WAL or any file in the data dir)', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 3; i++)
      keys.push(
        (
          (await (await create({ name: `k${i}`, permission_mode: 'allow_all' })).json()) as {
            key: string;
          }
        ).key,
      );
    const scan = () => {
      const files = filesUnder(server.dataDir);
      expect(files.some((f) => f.endsWith('llamactl.db'))).toBe(true);
      for (const f of files) {
        const bytes = readFileSync(f);
        for (const key of keys) {
          expect(bytes.includes(Buffer.from(key)), `${key} in ${f}`).toBe(false);
          expect(
            bytes.includes(Buffer.from(key.slice('llamactl-'.length))),
            `hex of ${key} in ${f}`,
          ).toBe(false);
        }
      }
    };
    scan(); // while running: the rows may still sit in the WAL file
    await server.close({ keepData: true });
    scan(); // after the checkpoint into the main file
    rmSync(server.dataDir, { recursive: true, force: true });
    server = await startTestServer(); // afterEach closes this one
  });
});

describe('generated management key', () => {
  it('is printed from the data dir, works over HTTP and survives a restart', async () => {
    const first = await startTestServer({ config: { auth: { management_keys: [] } } });
    const key = first.services.auth.managementKey();
    const file = first.services.auth.managementKeyInfo().file!;
    expect(key).toMatch(/^llamactl-mgmt-[0-9a-f]{64}$/);
    expect(readFileSync(file, 'utf8').trim()).toBe(key);
    expect(
      (await fetch(first.url + '/api/v1/version', { headers: { 'X-API-Key': key } })).status,
    ).toBe(200);
    await first.close({ keepData: true });

    const second = await startTestServer({
      dataDir: first.dataDir,
      config: { auth: { management_keys: [] } },
    });
    try {
      expect(second.services.auth.managementKey()).toBe(key);
      expect(
        (
          await fetch(second.url + '/api/v1/version', {
            headers: { Authorization: `Bearer ${key}` },
          })
        ).status,
      ).toBe(200);
      expect((await fetch(second.url + '/api/v1/version')).status).toBe(401);
    } finally {
      await second.close();
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });
});
