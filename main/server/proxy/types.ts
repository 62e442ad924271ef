import type { IncomingHttpHeaders } from 'node:http';
import type { Instance } from '../../../shared/api/instances';
import type { AppConfig } from '../../config/schema';
import type { Logger } from '../../logger';
import type { StartBackoff } from '../../instances/start-backoff';
import type { ActivityRecorder } from '../../observability/activity';
import type { DispatcherTarget } from './reverse-proxy';

/**
 * What the routing layer needs from other services, as narrow structural types: the real
 * InstanceManager and AuthService satisfy them, and unit tests pass small fakes.
 */
export interface RoutingInstances {
  list(): Instance[];
  get(name: string): Instance;
  find(name: string): Instance | undefined;
  ensureReady(name: string, opts?: { signal?: AbortSignal }): Promise<void>;
  target(name: string): { host: string; port: number };
  beginRequest(name: string): () => void;
}

export type RoutingAuthContext =
  | { kind: 'management' }
  | {
      kind: 'inference';
      keyId: number;
      mode: 'allow_all' | 'per_instance';
      instanceIds: ReadonlySet<number>;
    }
  | { kind: 'open' };

export interface RoutingAuth {
  verifyInference(key: string): RoutingAuthContext | null;
  keyName(ctx: RoutingAuthContext): string | null;
  canAccessInstance(ctx: RoutingAuthContext, instanceId: number): boolean;
}

/** Instances that live on other nodes (main/nodes); absent in unit tests. */
export interface RemoteRouting {
  isRemote(instance: Instance): boolean;
  /** the node to forward to, as plain values; the reverse proxy does the HTTP */
  forwardTarget(instance: Instance): DispatcherTarget;
  routerModelIds(instance: Instance, timeoutMs: number): Promise<string[]>;
}

export interface RoutingDeps {
  config: AppConfig;
  log: Logger;
  instances: RoutingInstances;
  remote?: RemoteRouting;
  auth: RoutingAuth;
  extractKey(headers: IncomingHttpHeaders, url: string | undefined): string | null;
  /** records each forwarded request (observability); absent in unit tests */
  activity?: ActivityRecorder;
  /** failed on-demand starts answered again for a short window; absent in unit tests */
  startBackoff?: StartBackoff;
}
