import type { Dispatcher } from 'undici';
import type { InstanceEvent, NodeEvent } from '../../shared/api/events';
import type { Instance, InstanceOptions } from '../../shared/api/instances';
import { instanceNameError } from '../../shared/api/instances';
import type { CachedModel } from '../../shared/api/models';
import type { NodeInfo, NodesResponse } from '../../shared/api/nodes';
import { AppError } from '../../shared/errors';
import type { AppConfig } from '../config/schema';
import type { EventBus } from '../events/bus';
import type { Logger } from '../logger';
import type { Db } from '../store/database';
import { VERSION } from '../version';
import { FORWARDED_HEADER, NodeClient, QUICK_CALL_MS, SLOW_CALL_MS } from './node-client';
import { dropQueryParams } from './query';
import { RemoteStore } from './remote-store';

/** Status checks and list refreshes give up after this long unless the node sets `timeout`. */
export const DEFAULT_NODE_TIMEOUT_MS = 2_000;
/** Remote instances are polled this often unless the node sets `poll_interval`. */
export const DEFAULT_POLL_INTERVAL_MS = 3_000;
/** GET /nodes answers from a check at most this old. */
export const STATUS_CACHE_MS = 5_000;
/** GET /instances refreshes a node's instances when the last refresh is older than this. */
export const LIST_FRESH_MS = 1_000;

interface RemoteRec {
  id: number;
  name: string;
  node: string;
  /** the node's last answer for this instance (id and node replaced by ours) */
  instance: Instance;
  unreachable: boolean;
  nodeError?: string;
}

interface NodeState {
  name: string;
  address: string;
  client: NodeClient | null;
  /** why the node cannot be used at all (bad address) */
  configError?: string;
  timeoutMs: number;
  pollMs: number;
  status: { reachable: boolean; version?: string; error?: string; checked_at?: number } | null;
  statusPromise: Promise<void> | null;
  refreshPromise: Promise<void> | null;
  refreshedAt: number;
}

/** A node as a reverse-proxy target (plain values: the server's proxy does the HTTP). */
export interface NodeTarget {
  dispatcher: Dispatcher;
  basePath: string;
  host: string;
  headers: Record<string, string>;
  unreachable(err: Error): AppError;
}

/** A node target and the path to request there. */
export interface NodeForward {
  target: NodeTarget;
  path: string;
}

export interface NodeServiceDeps {
  config: AppConfig;
  db: Db;
  events: EventBus;
  log: Logger;
  /** is this name taken by a local instance? (the instance manager) */
  localExists(name: string): boolean;
}

/**
 * Remote nodes: their status, the instances that live on them and the forwarding of API and
 * inference traffic to them. A remote instance is a local row (for its id and name) plus the
 * node's last answer; lists read that cache (refreshed in parallel, with short timeouts, at most
 * once a second), so a node that is down costs one timeout per listing, never one per instance.
 */
export class NodeService {
  private readonly nodes = new Map<string, NodeState>();
  private readonly recs = new Map<string, RemoteRec>();
  private readonly pending = new Set<string>();
  private readonly store: RemoteStore;
  private readonly log: Logger;
  private pollTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly deps: NodeServiceDeps) {
    this.store = new RemoteStore(deps.db);
    this.log = deps.log;
    for (const [name, entry] of Object.entries(deps.config.nodes)) {
      if (name === deps.config.local_node) continue;
      const timeoutMs = entry.timeout ?? DEFAULT_NODE_TIMEOUT_MS;
      const state: NodeState = {
        name,
        address: entry.address,
        client: null,
        timeoutMs,
        pollMs: entry.poll_interval ?? DEFAULT_POLL_INTERVAL_MS,
        status: null,
        statusPromise: null,
        refreshPromise: null,
        refreshedAt: 0,
      };
      try {
        if (!entry.address)
          throw new AppError('invalid_node_address', `node ${name} has no address`);
        state.client = new NodeClient({
          name,
          address: entry.address,
          apiKey: entry.api_key || undefined,
          timeoutMs,
        });
      } catch (err) {
        state.configError = err instanceof AppError ? err.details : String(err);
        this.log.warn('node cannot be used', { node: name, error: state.configError });
      }
      this.nodes.set(name, state);
    }
  }

  get localNode(): string {
    return this.deps.config.local_node;
  }

  /** Loads remote instance rows and starts polling their nodes. */
  init(): void {
    for (const row of this.store.loadAll((o) => this.remoteNodeOf(o) !== undefined)) {
      const node = this.remoteNodeOf(row.options)!;
      const rec: RemoteRec = {
        id: row.id,
        name: row.name,
        node,
        unreachable: true,
        instance: {
          id: row.id,
          name: row.name,
          status: row.status,
          created: row.created,
          options: row.options,
          health: 'stopped',
          node,
        },
      };
      // A node removed from the config must not make its instances vanish (llamactl skips them).
      rec.nodeError = this.nodes.get(node)
        ? 'not refreshed yet'
        : `node ${node} is not configured any more`;
      this.recs.set(row.name, rec);
    }
    const periods = [...this.nodes.values()].map((n) => n.pollMs);
    if (periods.length > 0) {
      this.pollTimer = setInterval(() => void this.poll(), Math.max(100, Math.min(...periods)));
      this.pollTimer.unref();
      void this.poll();
    }
  }

  // ---- nodes ---------------------------------------------------------------------------------

  names(): string[] {
    return Object.keys(this.deps.config.nodes).sort();
  }

  async listNodes(): Promise<NodesResponse> {
    const names = this.names();
    const infos = await Promise.all(names.map((n) => this.info(n)));
    return Object.fromEntries(names.map((n, i) => [n, infos[i]]));
  }

  async info(name: string): Promise<NodeInfo> {
    const entry = this.deps.config.nodes[name];
    if (!entry) throw new AppError('not_found', 'Node not found');
    if (name === this.localNode)
      return { address: entry.address, local: true, reachable: true, version: VERSION.version };
    const state = this.nodes.get(name)!;
    if (state.configError)
      return { address: entry.address, local: false, reachable: false, error: state.configError };
    if (!state.status || Date.now() - (state.status.checked_at ?? 0) > STATUS_CACHE_MS) {
      // Known down: answer at once from the last check while a new one runs in the background.
      const check = this.checkNode(state);
      if (state.status?.reachable !== false) await check;
    }
    return { address: entry.address, local: false, ...state.status! };
  }

  private checkNode(state: NodeState): Promise<void> {
    state.statusPromise ??= (async () => {
      try {
        const text = await state.client!.text('GET', '/api/v1/version', {
          timeoutMs: state.timeoutMs,
        });
        const version = /^Version:\s*(.*)$/m.exec(text)?.[1]?.trim();
        this.setReachable(state, true, undefined, version);
      } catch (err) {
        this.setReachable(state, false, errText(err));
      }
    })().finally(() => {
      state.statusPromise = null;
    });
    return state.statusPromise;
  }

  private setReachable(
    state: NodeState,
    reachable: boolean,
    error?: string,
    version?: string,
  ): void {
    const was = state.status?.reachable;
    state.status = {
      reachable,
      ...((version ?? state.status?.version) !== undefined && {
        version: version ?? state.status?.version,
      }),
      ...(error !== undefined && { error }),
      checked_at: Date.now(),
    };
    if (was !== reachable) {
      if (was !== undefined)
        this.log.info(reachable ? 'node is reachable again' : 'node is unreachable', {
          node: state.name,
          error,
        });
      const event: Omit<NodeEvent, 'seq' | 'time'> = { type: 'node', name: state.name, reachable };
      this.deps.events.publish(event);
    }
  }

  private client(node: string): NodeClient {
    const state = this.nodes.get(node);
    if (!state)
      throw new AppError(
        'node_not_found',
        `node ${node} is not configured (nodes in the config: ${this.names().join(', ')})`,
      );
    if (!state.client)
      throw new AppError(
        'invalid_node_address',
        state.configError ?? `node ${node} has no usable address`,
      );
    return state.client;
  }

  // ---- placement -----------------------------------------------------------------------------

  /** The remote node an options object places an instance on, or undefined for a local one. */
  remoteNodeOf(options: { nodes?: unknown }): string | undefined {
    const nodes = options.nodes;
    if (!Array.isArray(nodes) || nodes.length === 0 || nodes.includes(this.localNode))
      return undefined;
    return typeof nodes[0] === 'string' ? nodes[0] : undefined;
  }

  /**
   * Validates `nodes` of a create body and returns the remote node it names (undefined: local).
   * More than one node is refused: llamactl picks one at random and replicates nothing.
   */
  placement(body: unknown): string | undefined {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
    const nodes = (body as { nodes?: unknown }).nodes;
    if (nodes === undefined || nodes === null) return undefined;
    if (!Array.isArray(nodes) || nodes.some((n) => typeof n !== 'string')) {
      throw new AppError('validation_error', 'nodes: must be an array of node names');
    }
    const unique = [...new Set(nodes as string[])];
    if (unique.length > 1) {
      throw new AppError(
        'validation_error',
        `nodes: an instance lives on exactly one node (got ${unique.join(', ')}); create one instance per node instead`,
      );
    }
    if (unique.length === 0 || unique[0] === this.localNode) return undefined;
    if (!this.deps.config.nodes[unique[0]]) {
      throw new AppError(
        'validation_error',
        `nodes: unknown node ${JSON.stringify(unique[0])} (configured: ${this.names().join(', ')})`,
      );
    }
    return unique[0];
  }

  // ---- remote instances: queries -------------------------------------------------------------

  has(name: string): boolean {
    return this.recs.has(name) || this.pending.has(name);
  }

  isRemote(instance: Instance): boolean {
    return (
      this.recs.has(instance.name) &&
      instance.node !== undefined &&
      instance.node !== this.localNode
    );
  }

  find(name: string): Instance | undefined {
    const rec = this.recs.get(name);
    return rec ? this.view(rec) : undefined;
  }

  listCached(): Instance[] {
    return [...this.recs.values()].map((r) => this.view(r));
  }

  /** Remote instances, refreshed first from every node whose data is older than a second. */
  async list(): Promise<Instance[]> {
    await this.refresh(LIST_FRESH_MS);
    return this.listCached();
  }

  async get(name: string): Promise<Instance> {
    const rec = this.rec(name);
    const state = this.nodes.get(rec.node);
    if (state?.client) {
      const p = this.refreshNode(state, LIST_FRESH_MS);
      if (state.status?.reachable !== false) await p;
    }
    return this.view(rec);
  }

  private rec(name: string): RemoteRec {
    const rec = this.recs.get(name);
    if (!rec) throw new AppError('instance_not_found', `instance with name ${name} not found`);
    return rec;
  }

  private view(rec: RemoteRec): Instance {
    const out: Instance = {
      ...rec.instance,
      id: rec.id,
      name: rec.name,
      node: rec.node,
      options: { ...rec.instance.options, nodes: [rec.node] },
    };
    if (rec.unreachable) out.unreachable = true;
    else delete out.unreachable;
    if (rec.nodeError) out.node_error = rec.nodeError;
    else delete out.node_error;
    return out;
  }

  // ---- refresh and events --------------------------------------------------------------------

  private async poll(): Promise<void> {
    if (this.closed || this.recs.size === 0) return;
    const wanted = new Set([...this.recs.values()].map((r) => r.node));
    await Promise.all(
      [...this.nodes.values()]
        .filter((s) => wanted.has(s.name) && s.client)
        .map((s) => this.refreshNode(s, s.pollMs - 50)),
    );
  }

  /**
   * Refreshes the nodes that have remote instances. A node that was down at its last check is
   * refreshed in the background instead of awaited: a listing never waits on a dead machine
   * again and again (the poller notices when it is back).
   */
  async refresh(maxAgeMs: number): Promise<void> {
    const wanted = new Set([...this.recs.values()].map((r) => r.node));
    const waits: Promise<void>[] = [];
    for (const s of this.nodes.values()) {
      if (!wanted.has(s.name) || !s.client) continue;
      const p = this.refreshNode(s, maxAgeMs);
      if (s.status?.reachable !== false) waits.push(p);
    }
    await Promise.all(waits);
  }

  /** One GET of the node's instance list updates every instance of that node. */
  private refreshNode(state: NodeState, maxAgeMs: number): Promise<void> {
    if (state.refreshPromise) return state.refreshPromise;
    if (Date.now() - state.refreshedAt < maxAgeMs) return Promise.resolve();
    state.refreshPromise = (async () => {
      try {
        const list = await state.client!.json<Instance[]>('GET', '/api/v1/instances', {
          timeoutMs: state.timeoutMs,
        });
        this.setReachable(state, true);
        const byName = new Map((Array.isArray(list) ? list : []).map((i) => [i.name, i]));
        for (const rec of this.recs.values()) {
          if (rec.node !== state.name) continue;
          const remote = byName.get(rec.name);
          if (remote) this.apply(rec, remote, false);
          else
            this.mark(
              rec,
              false,
              `instance ${rec.name} does not exist on node ${state.name} (delete it here to forget it)`,
            );
        }
      } catch (err) {
        this.setReachable(state, false, errText(err));
        for (const rec of this.recs.values()) {
          if (rec.node === state.name) this.mark(rec, true, errText(err));
        }
      } finally {
        state.refreshedAt = Date.now();
      }
    })().finally(() => {
      state.refreshPromise = null;
    });
    return state.refreshPromise;
  }

  /** Takes the node's answer for an instance; publishes and persists what changed. */
  private apply(rec: RemoteRec, remote: Instance, created: boolean): void {
    const before = this.view(rec);
    rec.instance = remote;
    rec.unreachable = false;
    rec.nodeError = undefined;
    const after = this.view(rec);
    if (created) {
      this.persist(rec);
      this.publish(after, 'created');
      return;
    }
    const change = changeKind(before, after);
    if (!change) return;
    if (before.status !== after.status || change === 'updated') this.persist(rec);
    this.publish(after, change);
  }

  private mark(rec: RemoteRec, unreachable: boolean, error: string): void {
    if (rec.unreachable === unreachable && rec.nodeError === error) return;
    const flagChanged = rec.unreachable !== unreachable;
    rec.unreachable = unreachable;
    rec.nodeError = error;
    if (flagChanged || !unreachable) this.publish(this.view(rec), 'status');
  }

  private persist(rec: RemoteRec): void {
    const options: InstanceOptions = { ...rec.instance.options, nodes: [rec.node] };
    try {
      this.store.save(
        rec.name,
        rec.instance.status,
        rec.instance.created ?? Math.floor(Date.now() / 1000),
        options,
      );
    } catch (err) {
      this.log.error('could not save a remote instance', {
        instance: rec.name,
        error: errText(err),
      });
    }
  }

  private publish(
    instance: Instance | null,
    change: 'created' | 'updated' | 'status' | 'health' | 'deleted',
    name = instance?.name ?? '',
  ): void {
    const event: Omit<InstanceEvent, 'seq' | 'time'> = { type: 'instance', name, change, instance };
    this.deps.events.publish(event);
  }

  // ---- remote instances: operations ----------------------------------------------------------

  /**
   * Creates the instance on the node. The local row is written first, so the name is taken
   * atomically across local and remote instances and a failed local write never leaves an
   * orphan on the node (llamactl's order); a refusal by the node removes the row again.
   */
  async create(name: string, node: string, body: Record<string, unknown>): Promise<Instance> {
    const err = instanceNameError(name);
    if (err) throw new AppError('invalid_instance_name', err);
    if (this.has(name) || this.deps.localExists(name)) {
      throw new AppError('instance_exists', `instance with name ${name} already exists`);
    }
    const client = this.client(node);
    this.pending.add(name);
    try {
      const created = Math.floor(Date.now() / 1000);
      const placeholder = { ...body, nodes: [node] } as unknown as InstanceOptions;
      let id: number;
      try {
        id = this.store.insert(name, placeholder, created);
      } catch (e) {
        if (String(e).includes('UNIQUE'))
          throw new AppError('instance_exists', `instance with name ${name} already exists`);
        throw e;
      }
      let remote: Instance;
      try {
        // The node gets no `nodes`: it creates a local instance and need not know its own name.
        remote = await client.json<Instance>(
          'POST',
          `/api/v1/instances/${encodeURIComponent(name)}`,
          {
            body: withoutNodes(body),
          },
        );
      } catch (e) {
        this.store.delete(name);
        throw e;
      }
      const rec: RemoteRec = { id, name, node, instance: remote, unreachable: false };
      this.recs.set(name, rec);
      this.apply(rec, remote, true);
      return this.view(rec);
    } finally {
      this.pending.delete(name);
    }
  }

  /** Replacement of the options on the node; the placement (`nodes`) never changes. */
  async update(name: string, body: unknown): Promise<Instance> {
    const rec = this.rec(name);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AppError(
        'invalid_request',
        'request body must be a JSON object with the instance options',
      );
    }
    const remote = await this.client(rec.node).json<Instance>(
      'PUT',
      `/api/v1/instances/${encodeURIComponent(name)}`,
      {
        body: withoutNodes(body as Record<string, unknown>),
        timeoutMs: SLOW_CALL_MS,
      },
    );
    this.apply(rec, remote, false);
    return this.view(rec);
  }

  async action(name: string, verb: 'start' | 'stop' | 'restart'): Promise<Instance> {
    const rec = this.rec(name);
    const remote = await this.client(rec.node).json<Instance>(
      'POST',
      `/api/v1/instances/${encodeURIComponent(name)}/${verb}`,
      {
        timeoutMs: verb === 'start' ? QUICK_CALL_MS : SLOW_CALL_MS,
      },
    );
    this.apply(rec, remote, false);
    return this.view(rec);
  }

  async logs(name: string, lines?: number): Promise<string> {
    const rec = this.rec(name);
    const q = lines === undefined ? '' : `?lines=${lines}`;
    return this.client(rec.node).text(
      'GET',
      `/api/v1/instances/${encodeURIComponent(name)}/logs${q}`,
    );
  }

  /**
   * Deletes on the node, then here. A node that no longer has the instance counts as done (the
   * goal is reached); a node that cannot be reached keeps the local record unless `localOnly`,
   * which forgets it without asking the node (its instance, if any, stays there).
   */
  async delete(name: string, opts: { localOnly?: boolean } = {}): Promise<void> {
    const rec = this.rec(name);
    const state = this.nodes.get(rec.node);
    if (!opts.localOnly && state) {
      try {
        await this.client(rec.node).json(
          'DELETE',
          `/api/v1/instances/${encodeURIComponent(name)}`,
          { timeoutMs: SLOW_CALL_MS },
        );
      } catch (err) {
        const gone = err instanceof AppError && err.code === 'instance_not_found';
        if (!gone) {
          if (err instanceof AppError && err.code === 'node_unreachable') {
            throw new AppError(
              'node_unreachable',
              `${err.details}; to forget the instance here without the node, use DELETE /api/v1/instances/${name}?local_only=true`,
            );
          }
          throw err;
        }
      }
    }
    this.recs.delete(name);
    this.store.delete(name);
    this.publish(null, 'deleted', name);
  }

  /**
   * Where the live log of a remote instance comes from (the log viewer's SSE): the node's own
   * stream route, forwarded by the server's reverse proxy.
   */
  logStreamTarget(name: string, query: string): NodeForward {
    const rec = this.rec(name);
    return {
      target: this.target(rec.node, `logs of instance ${name}`),
      path: `/api/v1/instances/${encodeURIComponent(name)}/logs/stream${query}`,
    };
  }

  /**
   * How to reach a node through its client: the pool, the base path, its key and the
   * forwarded-by marker (the node then does not fan out again), the Host it checks against its
   * allow-list, and the error a failure to reach it becomes.
   */
  private target(node: string, what: string): NodeTarget {
    const client = this.client(node);
    return {
      dispatcher: client.pool,
      basePath: client.basePath,
      host: new URL(client.origin).host,
      headers: { ...client.authHeaders(), [FORWARDED_HEADER]: this.localNode },
      unreachable: (err) =>
        new AppError(
          'node_unreachable',
          `${what}: ${client.unreachable(err, client.endpoint.timeoutMs).details}`,
        ),
    };
  }

  // ---- routing -------------------------------------------------------------------------------

  /**
   * Where inference and instance-proxy traffic for a remote instance goes: the same route on
   * the node (no prefix stripping; the node resolves the instance, starts it on demand and checks
   * its state), with the node's key.
   */
  forwardTarget(instance: Instance): NodeTarget {
    const rec = this.rec(instance.name);
    return this.target(rec.node, `instance ${rec.name} on node ${rec.node}`);
  }

  /** Model ids of a remote router-mode llama.cpp instance, asked of its node (short timeout). */
  async routerModelIds(instance: Instance, timeoutMs: number): Promise<string[]> {
    const rec = this.rec(instance.name);
    const parsed = await this.client(rec.node).json<{ data?: unknown }>(
      'GET',
      `/api/v1/llama-cpp/${encodeURIComponent(rec.name)}/models`,
      { timeoutMs },
    );
    const data = Array.isArray(parsed?.data) ? parsed.data : [];
    return data
      .map((m) => (m && typeof m === 'object' ? (m as { id?: unknown }).id : undefined))
      .filter((id): id is string => typeof id === 'string' && id !== '');
  }

  // ---- models on nodes -----------------------------------------------------------------------

  /**
   * Forwards a model or job request to a node. The `node` parameter is dropped (the node serves
   * it as its own, whatever it calls itself) and the forwarded-by header stops any fan-out there.
   */
  async forwardModels(
    node: string,
    method: string,
    url: string,
    body: unknown,
  ): Promise<{ status: number; contentType: string; body: Buffer }> {
    const client = this.client(node);
    return client.call(method, dropQueryParams(url, ['node', 'api_key']), {
      body: method === 'GET' || method === 'HEAD' || method === 'DELETE' ? undefined : body,
      headers: { [FORWARDED_HEADER]: this.localNode },
    });
  }

  /** Cached models of every remote node (in parallel, short timeouts), each tagged with its node. */
  async remoteModels(): Promise<CachedModel[]> {
    const lists = await Promise.all(
      [...this.nodes.values()]
        .filter((s) => s.client)
        .map(async (s) => {
          if (s.status?.reachable === false) {
            // Known down: left out at once; the check in the background notices when it is back.
            void this.checkNode(s);
            return [];
          }
          try {
            const list = await s.client!.json<CachedModel[] | null>('GET', '/api/v1/models', {
              timeoutMs: s.timeoutMs,
              headers: { [FORWARDED_HEADER]: this.localNode },
            });
            return (list ?? []).map((m) => ({ ...m, node: s.name }));
          } catch (err) {
            if (err instanceof AppError && err.code === 'node_unreachable')
              this.setReachable(s, false, err.details);
            this.log.warn('could not list the models of a node', {
              node: s.name,
              error: errText(err),
            });
            return [];
          }
        }),
    );
    return lists.flat();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    await Promise.all([...this.nodes.values()].map((s) => s.client?.close()));
  }
}

function withoutNodes(body: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...body };
  delete copy.nodes;
  return copy;
}

function changeKind(a: Instance, b: Instance): 'status' | 'health' | 'updated' | null {
  if (a.status !== b.status || a.unreachable !== b.unreachable) return 'status';
  if (a.health !== b.health) return 'health';
  if (JSON.stringify(a.options) !== JSON.stringify(b.options)) return 'updated';
  if (a.node_error !== b.node_error || a.restarts !== b.restarts || a.pid !== b.pid)
    return 'status';
  return null;
}

function errText(err: unknown): string {
  if (err instanceof AppError) return err.details;
  return err instanceof Error ? err.message : String(err);
}
