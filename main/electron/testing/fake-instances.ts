import type { InstanceEvent } from '../../../shared/api/events';
import type { Instance, InstanceStatus } from '../../../shared/api/instances';
import { loadConfig } from '../../config/load-config';
import { EventBus } from '../../events/bus';
import { silentLogger } from '../../logger';
import type { DesktopServices } from '../desktop-services';

export function makeInstance(
  name: string,
  status: InstanceStatus = 'stopped',
  extra: Partial<Instance> = {},
): Instance {
  return {
    id: name.length,
    name,
    status,
    created: 1_700_000_000,
    health: status === 'running' ? 'ready' : status === 'failed' ? 'failed' : 'stopped',
    options: {
      backend_type: 'llama_cpp',
      backend_options: { model: `/models/${name}.gguf` },
      auto_restart: true,
      max_restarts: 3,
      restart_delay: 5,
      on_demand_start: true,
      idle_timeout: 0,
    },
    ...extra,
  };
}

/**
 * An in-memory instance manager with the methods the desktop uses. Like the real one, every
 * change is published on the event bus, so the tray can be tested against real events.
 */
type DesktopInstances = DesktopServices['instances'];

export class FakeInstanceManager implements DesktopInstances {
  readonly calls: string[] = [];
  /** when set, shutdown waits for this promise (to test the quit deadline) */
  shutdownGate: Promise<void> | null = null;
  private readonly items = new Map<string, Instance>();

  constructor(
    readonly events: EventBus,
    initial: Instance[] = [],
  ) {
    for (const i of initial) this.items.set(i.name, i);
  }

  list(): Instance[] {
    return [...this.items.values()];
  }

  put(instance: Instance, change: 'created' | 'status' | 'health' | 'deleted' = 'status'): void {
    if (change === 'deleted') this.items.delete(instance.name);
    else this.items.set(instance.name, instance);
    const event: Omit<InstanceEvent, 'seq' | 'time'> = {
      type: 'instance',
      name: instance.name,
      change,
      instance: change === 'deleted' ? null : instance,
    };
    // publish() takes Omit<ServerEvent, ...>, which keeps only the keys common to the union.
    this.events.publish(event as Parameters<EventBus['publish']>[0]);
  }

  async start(name: string): Promise<Instance> {
    this.calls.push(`start ${name}`);
    const next = { ...this.get(name), status: 'running' as const, health: 'ready' as const };
    this.put(next);
    return next;
  }

  async stop(name: string): Promise<Instance> {
    this.calls.push(`stop ${name}`);
    const next = { ...this.get(name), status: 'stopped' as const, health: 'stopped' as const };
    this.put(next);
    return next;
  }

  async stopAll(): Promise<{ stopped: string[]; errors: { name: string; error: string }[] }> {
    this.calls.push('stopAll');
    const stopped: string[] = [];
    for (const i of this.list())
      if (i.status !== 'stopped') stopped.push((await this.stop(i.name)).name);
    return { stopped, errors: [] };
  }

  /**
   * Like the real one: every process stops (in memory the instances read `stopped`), while the
   * stored statuses stay so they come back at the next start; nothing here models storage.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    this.calls.push(`shutdown ${timeoutMs}`);
    if (this.shutdownGate) await this.shutdownGate;
    for (const i of this.list())
      if (i.status !== 'stopped') this.put({ ...i, status: 'stopped', health: 'stopped' });
  }

  private get(name: string): Instance {
    const i = this.items.get(name);
    if (!i) throw new Error(`instance not found: ${name}`);
    return i;
  }
}

export const FAKE_MANAGEMENT_KEY = 'llamactl-mgmt-desktop-test';

export function fakeDesktopServices(
  initial: Instance[] = [],
  dataDir = '/tmp/llamactl-desktop-test',
): DesktopServices & { instances: FakeInstanceManager; events: EventBus } {
  const events = new EventBus();
  const config = loadConfig({ overrides: { data_dir: dataDir, server: { port: 0 } } });
  return {
    config,
    log: silentLogger,
    events,
    instances: new FakeInstanceManager(events, initial),
    auth: { managementKey: () => FAKE_MANAGEMENT_KEY },
  };
}
