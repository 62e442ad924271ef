import type { AppConfig } from '../config/schema';
import type { EventBus } from '../events/bus';
import type { InstanceManager } from '../instances/manager';
import type { Logger } from '../logger';
import type { InstanceDirectory } from '../nodes/instance-directory';
import type { ResourceSampler } from '../observability/resource-sampler';

/**
 * The slice of `Services` the desktop shell uses. The tray, IPC and quit code depend on this
 * rather than on the whole composition root, so their tests run against a small in-memory
 * instance manager; the real `Services` object satisfies it structurally.
 */
export interface DesktopServices {
  config: AppConfig;
  log: Logger;
  events: Pick<EventBus, 'subscribe'>;
  /** typed against the real class, so a test fake cannot drift from it */
  instances: Pick<InstanceManager, 'list' | 'start' | 'stop' | 'stopAll' | 'shutdown'>;
  auth: { managementKey(): string };
  /**
   * Local and remote instances (main/nodes); when present the tray lists and toggles these, so
   * instances on other nodes show up too. Tests without nodes leave it out.
   */
  directory?: Pick<InstanceDirectory, 'list' | 'start' | 'stop'>;
  /**
   * The resource sampler: the tray keeps it sampling while a local instance runs and shows the
   * totals of its 'resources' events in the tooltip. Tests that do not look at it leave it out.
   */
  observability?: { sampler: Pick<ResourceSampler, 'acquire'> };
}
