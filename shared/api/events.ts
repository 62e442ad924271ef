/** Events sent on GET /api/v1/events (server-sent events, `event: <type>`, `data: <json>`). */
import type { ActivityRecord } from './activity';
import type { Instance, InstanceResources } from './instances';

interface EventBase {
  /** increasing per server run */
  seq: number;
  /** ms since epoch */
  time: number;
}

/** An instance was created, changed state or health, restarted, or was updated. */
export interface InstanceEvent extends EventBase {
  type: 'instance';
  name: string;
  /** 'deleted' when the instance is gone */
  change: 'created' | 'updated' | 'status' | 'health' | 'restart' | 'deleted';
  instance: Instance | null;
}

/** A download job changed (queued, progress, finished). */
export interface JobEvent extends EventBase {
  type: 'job';
  job: unknown;
  /** the finished job was deleted (`DELETE /models/jobs/{id}`): drop it from lists */
  removed?: boolean;
}

/** A node's reachability changed. */
export interface NodeEvent extends EventBase {
  type: 'node';
  name: string;
  reachable: boolean;
}

/** A fresh sample of every running local instance's resources (every 2 s while listened to). */
export interface ResourcesEvent extends EventBase {
  type: 'resources';
  instances: Record<string, InstanceResources>;
}

/** A request through /v1, /llama-cpp or the instance proxy finished. */
export interface ActivityEvent extends EventBase {
  type: 'activity';
  activity: ActivityRecord;
}

export type ServerEvent = InstanceEvent | JobEvent | NodeEvent | ResourcesEvent | ActivityEvent;
