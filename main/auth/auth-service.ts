import { timingSafeEqual } from 'node:crypto';
import {
  KEY_NAME_MAX_BYTES,
  PERMISSION_MODES,
  type ApiKey,
  type CreatedApiKey,
  type KeyPermission,
  type PermissionMode,
} from '../../shared/api/keys';
import { AppError } from '../../shared/errors';
import type { AppConfig } from '../config/schema';
import type { Logger } from '../logger';
import type { Db } from '../store/database';
import { KeyStore, type KeyRow } from './key-store';
import { generateInferenceKey, hashKey, safeEqual } from './keys';
import { resolveManagementKeys, type ManagementKeys } from './management-key';

export type AuthContext =
  | { kind: 'management' }
  | { kind: 'inference'; keyId: number; mode: PermissionMode; instanceIds: ReadonlySet<number> }
  /** auth switched off for this route group */
  | { kind: 'open' };

interface CachedKey {
  id: number;
  name: string;
  hash: Buffer;
  mode: PermissionMode;
  expiresAt: number | null;
  instanceIds: Set<number>;
  lastUsedAt: number | null;
}

export const PERMISSION_DENIED_DETAILS =
  'permission denied: key does not have access to this instance';

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** How many verified raw keys `verifyInference` remembers. */
const RECENT_KEYS_MAX = 1024;
const MANAGEMENT = Symbol('management key');
const MANAGEMENT_CONTEXT: AuthContext = Object.freeze({ kind: 'management' });

/**
 * Management keys and inference (API) keys. Inference keys are kept in memory by their SHA-256,
 * so verifying one is a hash plus a map lookup whatever the number of keys; the database holds
 * only the hashes and is written through on every change.
 */
export class AuthService {
  private readonly store: KeyStore;
  private readonly mgmt: ManagementKeys;
  private readonly byHash = new Map<string, CachedKey>();
  private readonly byId = new Map<number, CachedKey>();
  /**
   * Keys seen recently, by their raw string, so that the hot path (every /v1 request) skips the
   * SHA-256. Only keys that verified are remembered, so a flood of wrong keys costs no memory;
   * the map is bounded (oldest out first). A remembered inference key stays valid only while
   * `byId` still holds the same entry (deletion invalidates it) and its expiry is rechecked on
   * every use. The map lookup compares key contents only when V8's string hashes collide.
   */
  private readonly recent = new Map<string, CachedKey | typeof MANAGEMENT>();
  private readonly now: () => number;

  constructor(
    private readonly config: AppConfig,
    db: Db,
    private readonly log: Logger,
    opts: { now?: () => number } = {},
  ) {
    this.now = opts.now ?? nowSeconds;
    this.store = new KeyStore(db);
    this.mgmt = resolveManagementKeys(config, log);
    const grants = new Map<number, Set<number>>();
    for (const g of this.store.allGrants()) {
      let set = grants.get(g.key_id);
      if (!set) grants.set(g.key_id, (set = new Set()));
      set.add(g.instance_id);
    }
    for (const row of this.store.all()) this.cache(row, grants.get(row.id) ?? new Set());
  }

  /** The key the desktop app hands to its dashboard: the first configured or the generated one. */
  managementKey(): string {
    return this.mgmt.keys[0] ?? '';
  }

  /** Where the management key comes from, for the start-up banner. */
  managementKeyInfo(): Readonly<ManagementKeys> {
    return this.mgmt;
  }

  /** Constant time in the key's content; every configured key is compared, no early exit. */
  isManagementKey(key: string): boolean {
    let match = false;
    for (const k of this.mgmt.keys) match = safeEqual(key, k) || match;
    return match;
  }

  /**
   * O(1): one SHA-256 and a map lookup. The map lookup's timing can only reveal something about
   * the hash of the presented key, which says nothing about any stored key. Management keys are
   * accepted too and grant every instance.
   */
  verifyInference(key: string): AuthContext | null {
    if (!key) return null;
    const known = this.recent.get(key);
    if (known === MANAGEMENT) return MANAGEMENT_CONTEXT;
    if (known !== undefined) {
      if (this.byId.get(known.id) === known) return this.useInferenceKey(known);
      this.recent.delete(key);
    }
    const hash = hashKey(key);
    const hit = this.byHash.get(hash);
    if (hit && timingSafeEqual(hit.hash, Buffer.from(hash))) {
      const ctx = this.useInferenceKey(hit);
      if (ctx) this.remember(key, hit);
      return ctx;
    }
    if (!this.isManagementKey(key)) return null;
    this.remember(key, MANAGEMENT);
    return MANAGEMENT_CONTEXT;
  }

  private useInferenceKey(entry: CachedKey): AuthContext | null {
    const now = this.now();
    if (entry.expiresAt !== null && entry.expiresAt <= now) return null;
    this.markUsed(entry, now);
    return { kind: 'inference', keyId: entry.id, mode: entry.mode, instanceIds: entry.instanceIds };
  }

  private remember(key: string, entry: CachedKey | typeof MANAGEMENT): void {
    if (this.recent.size >= RECENT_KEYS_MAX)
      this.recent.delete(this.recent.keys().next().value as string);
    this.recent.set(key, entry);
  }

  /** The name of the key behind a context (for activity records; never the key itself). */
  keyName(ctx: AuthContext): string | null {
    if (ctx.kind === 'management') return 'management';
    if (ctx.kind === 'inference') return this.byId.get(ctx.keyId)?.name ?? null;
    return null;
  }

  canAccessInstance(ctx: AuthContext, instanceId: number): boolean {
    if (ctx.kind !== 'inference' || ctx.mode === 'allow_all') return true;
    return ctx.instanceIds.has(instanceId);
  }

  /** Throws llamactl's 403 when the key may not use the instance. */
  assertInstanceAccess(ctx: AuthContext, instanceId: number): void {
    if (!this.canAccessInstance(ctx, instanceId))
      throw new AppError('permission_denied', PERMISSION_DENIED_DETAILS);
  }

  listKeys(): ApiKey[] {
    return this.store.all().map(toApi);
  }

  getKey(id: number): ApiKey {
    const row = this.store.get(id);
    if (!row) throw new AppError('not_found', 'API key not found');
    return toApi(row);
  }

  /** Validates in llamactl's order (reference §3.3) and returns the plain key once. */
  createKey(body: unknown): CreatedApiKey {
    const req = parseCreateRequest(body, this.now());
    let instanceIds: number[] = [];
    if (req.permissionMode === 'per_instance') {
      instanceIds = [...new Set(req.instanceIds)];
      const existing = this.store.existingInstanceIds(instanceIds);
      const missing = instanceIds.find((id) => !existing.has(id));
      if (missing !== undefined)
        throw new AppError('invalid_instance_id', `Instance ID ${missing} does not exist`);
    }
    const key = generateInferenceKey();
    const row = this.store.insert({
      name: req.name,
      keyHash: hashKey(key),
      permissionMode: req.permissionMode,
      expiresAt: req.expiresAt,
      instanceIds,
      now: this.now(),
    });
    this.cache(row, new Set(instanceIds));
    this.log.info('API key created', {
      id: row.id,
      name: row.name,
      permission_mode: row.permission_mode,
    });
    return { ...toApi(row), key };
  }

  deleteKey(id: number): void {
    if (!this.store.delete(id)) throw new AppError('not_found', 'API key not found');
    const cached = this.byId.get(id);
    if (cached) {
      this.byId.delete(id);
      this.byHash.delete(cached.hash.toString());
    }
    this.log.info('API key deleted', { id });
  }

  keyPermissions(id: number): KeyPermission[] {
    if (!this.store.get(id)) throw new AppError('not_found', 'API key not found');
    return this.store.permissions(id);
  }

  private cache(row: KeyRow, instanceIds: Set<number>): void {
    const entry: CachedKey = {
      id: row.id,
      name: row.name,
      hash: Buffer.from(row.key_hash),
      mode: row.permission_mode,
      expiresAt: row.expires_at,
      instanceIds,
      lastUsedAt: row.last_used_at,
    };
    this.byHash.set(row.key_hash, entry);
    this.byId.set(row.id, entry);
  }

  /**
   * last_used_at has one-second resolution, so writing at most once per second per key keeps
   * it exact while a busy key costs no more than one small write a second. The write happens
   * after the response path, so it never adds latency.
   */
  private markUsed(entry: CachedKey, now: number): void {
    if (entry.lastUsedAt !== null && entry.lastUsedAt >= now) return;
    entry.lastUsedAt = now;
    setImmediate(() => {
      try {
        if (this.byId.has(entry.id)) this.store.touch(entry.id, now);
      } catch (err) {
        this.log.debug('could not record key use', { id: entry.id, error: String(err) });
      }
    });
  }
}

function toApi(row: KeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    user_id: row.user_id,
    permission_mode: row.permission_mode,
    expires_at: row.expires_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
    last_used_at: row.last_used_at,
  };
}

interface CreateRequest {
  name: string;
  permissionMode: PermissionMode;
  expiresAt: number | null;
  instanceIds: number[];
}

/**
 * Type errors are reported as llamactl does (its JSON decoder fails first: `invalid_json`), but
 * with the field and the rule named.
 */
function parseCreateRequest(body: unknown, now: number): CreateRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('invalid_json', 'Invalid JSON in request body: expected an object');
  }
  const b = body as Record<string, unknown>;
  const typeError = (field: string, rule: string) =>
    new AppError('invalid_json', `Invalid JSON in request body: ${field} ${rule}`);
  if (b.name !== undefined && b.name !== null && typeof b.name !== 'string')
    throw typeError('name', 'must be a string');
  if (
    b.permission_mode !== undefined &&
    b.permission_mode !== null &&
    typeof b.permission_mode !== 'string'
  ) {
    throw typeError('permission_mode', 'must be a string');
  }
  if (b.expires_at !== undefined && b.expires_at !== null && !Number.isSafeInteger(b.expires_at)) {
    throw typeError('expires_at', 'must be an integer (unix seconds) or null');
  }
  if (b.instance_ids !== undefined && b.instance_ids !== null) {
    if (!Array.isArray(b.instance_ids) || !b.instance_ids.every((id) => Number.isSafeInteger(id))) {
      throw typeError('instance_ids', 'must be an array of integers');
    }
  }
  const name = (b.name as string | undefined) ?? '';
  if (name === '') throw new AppError('invalid_name', 'Name is required');
  if (Buffer.byteLength(name, 'utf8') > KEY_NAME_MAX_BYTES) {
    throw new AppError('invalid_name', `Name must be ${KEY_NAME_MAX_BYTES} characters or less`);
  }
  const mode = b.permission_mode as string | undefined;
  if (!PERMISSION_MODES.includes(mode as PermissionMode)) {
    throw new AppError(
      'invalid_permission_mode',
      "Permission mode must be 'allow_all' or 'per_instance'",
    );
  }
  const instanceIds = (b.instance_ids as number[] | undefined | null) ?? [];
  if (mode === 'per_instance' && instanceIds.length === 0) {
    throw new AppError(
      'missing_permissions',
      "Instance IDs required when permission mode is 'per_instance'",
    );
  }
  const expiresAt = (b.expires_at as number | undefined | null) ?? null;
  if (expiresAt !== null && expiresAt <= now)
    throw new AppError('invalid_expires_at', 'Expiration time must be in future');
  return { name, permissionMode: mode as PermissionMode, expiresAt, instanceIds };
}
