import type { Instance } from '../../shared/api/instances';
import { AppError } from '../../shared/errors';
import type { InstanceManager } from '../instances/manager';
import type { NodeForward, NodeService } from './node-service';

/**
 * Every instance, local or remote, behind one API: the instance routes and the routing layer
 * call this, and it sends each call to the instance manager (local) or the node service
 * (remote). Local-only operations (readiness, targets, bookkeeping) go to the manager.
 */
export class InstanceDirectory {
  constructor(
    private readonly manager: InstanceManager,
    private readonly nodes: NodeService,
  ) {}

  /** Cached view (no network): the hot path and the tray use it. */
  list(): Instance[] {
    return merge(this.manager.list(), this.nodes.listCached());
  }

  /** For GET /instances: remote instances refreshed first (in parallel, short timeouts). */
  async listFresh(): Promise<Instance[]> {
    const remote = await this.nodes.list();
    return merge(this.manager.list(), remote);
  }

  get(name: string): Instance {
    return this.nodes.find(name) ?? this.manager.get(name);
  }

  find(name: string): Instance | undefined {
    return this.nodes.find(name) ?? this.manager.find(name);
  }

  getFresh(name: string): Promise<Instance> {
    return this.nodes.has(name) ? this.nodes.get(name) : Promise.resolve(this.manager.get(name));
  }

  isRemote(name: string): boolean {
    return this.nodes.find(name) !== undefined;
  }

  async create(name: string, body: unknown): Promise<Instance> {
    const node = this.nodes.placement(body);
    if (node !== undefined) return this.nodes.create(name, node, body as Record<string, unknown>);
    if (this.nodes.has(name))
      throw new AppError('instance_exists', `instance with name ${name} already exists`);
    return this.manager.create(name, body);
  }

  update(name: string, body: unknown): Promise<Instance> {
    return this.isRemote(name) ? this.nodes.update(name, body) : this.manager.update(name, body);
  }

  delete(name: string, opts: { localOnly?: boolean } = {}): Promise<void> {
    return this.isRemote(name) ? this.nodes.delete(name, opts) : this.manager.delete(name);
  }

  start(name: string): Promise<Instance> {
    return this.isRemote(name) ? this.nodes.action(name, 'start') : this.manager.start(name);
  }

  stop(name: string): Promise<Instance> {
    return this.isRemote(name) ? this.nodes.action(name, 'stop') : this.manager.stop(name);
  }

  restart(name: string): Promise<Instance> {
    return this.isRemote(name) ? this.nodes.action(name, 'restart') : this.manager.restart(name);
  }

  logs(name: string, lines?: number): Promise<string> {
    return this.isRemote(name) ? this.nodes.logs(name, lines) : this.manager.logs(name, lines);
  }

  /** For a remote instance, where its live log stream comes from; undefined for a local one. */
  remoteLogStream(name: string, query: string): NodeForward | undefined {
    return this.isRemote(name) ? this.nodes.logStreamTarget(name, query) : undefined;
  }

  // Local-only: the routing layer forwards remote instances before it gets here.
  ensureReady(name: string, opts?: { signal?: AbortSignal }): Promise<void> {
    return this.manager.ensureReady(name, opts);
  }

  target(name: string): { host: string; port: number } {
    return this.manager.target(name);
  }

  beginRequest(name: string): () => void {
    return this.manager.beginRequest(name);
  }
}

function merge(local: Instance[], remote: Instance[]): Instance[] {
  return [...local, ...remote].sort((a, b) => a.id - b.id);
}
