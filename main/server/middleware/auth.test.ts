import type { IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthService } from '../../auth/auth-service';
import { loadConfig } from '../../config/load-config';
import { silentLogger } from '../../logger';
import type { Services } from '../../services';
import { openDatabase } from '../../store/database';
import { authenticateInference, authenticateManagement } from './auth';

const MGMT = 'mgmt-key';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llamactl-mw-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function services(auth: Record<string, unknown> = {}): Services {
  const config = loadConfig({
    env: {},
    files: false,
    overrides: { data_dir: dir, auth: { management_keys: [MGMT], ...auth } },
  });
  const db = openDatabase(':memory:');
  return { config, db, auth: new AuthService(config, db, silentLogger) } as unknown as Services;
}
const req = (headers: Record<string, string>, url = '/x') =>
  ({ headers, url }) as unknown as IncomingMessage;

describe('authentication outcomes', () => {
  it('tells a missing key from a wrong one', () => {
    const s = services();
    expect(authenticateManagement(s, req({}))).toEqual({ ok: false, message: 'Missing API key' });
    expect(authenticateManagement(s, req({ 'x-api-key': 'nope' }))).toEqual({
      ok: false,
      message: 'Invalid API key',
    });
    expect(authenticateInference(s, req({}))).toEqual({ ok: false, message: 'Missing API key' });
    expect(authenticateInference(s, req({ 'x-api-key': 'nope' }))).toEqual({
      ok: false,
      message: 'Invalid API key',
    });
  });

  it('accepts an API key for inference only, and the management key for both', () => {
    const s = services();
    const { key, id } = s.auth.createKey({ name: 'k', permission_mode: 'allow_all' });
    expect(authenticateInference(s, req({ authorization: `Bearer ${key}` }))).toMatchObject({
      ok: true,
      auth: { kind: 'inference', keyId: id },
    });
    expect(authenticateManagement(s, req({ authorization: `Bearer ${key}` }))).toEqual({
      ok: false,
      message: 'Invalid API key',
    });
    expect(authenticateManagement(s, req({}, `/x?api_key=${MGMT}`))).toEqual({
      ok: true,
      auth: { kind: 'management' },
    });
    expect(authenticateInference(s, req({ 'x-api-key': MGMT }))).toEqual({
      ok: true,
      auth: { kind: 'management' },
    });
  });

  it('is open when the switches are off', () => {
    const s = services({ require_inference_auth: false, require_management_auth: false });
    expect(authenticateInference(s, req({}))).toEqual({ ok: true, auth: { kind: 'open' } });
    expect(authenticateManagement(s, req({}))).toEqual({ ok: true, auth: { kind: 'open' } });
  });
});
