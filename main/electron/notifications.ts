import { z } from 'zod';
import type { Instance, InstanceStatus } from '../../shared/api/instances';
import type { ServerEvent } from '../../shared/api/events';

export interface DesktopNotification {
  title: string;
  body: string;
}

/** The fields of a download job the desktop needs; the rest of the job object is ignored. */
const JobSchema = z.object({
  id: z.string(),
  repo: z.string().optional(),
  tag: z.string().optional(),
  status: z.string(),
  error: z.string().optional(),
});

/**
 * Turns the server's event stream into the few notifications worth interrupting someone for:
 * an instance that crashed (and is being restarted) or failed for good, and a download that
 * finished or failed. Remembers the last state per instance and job so that repeated events
 * (health polls, progress ticks) never notify twice.
 */
export class NotificationTracker {
  private readonly statuses = new Map<string, InstanceStatus>();
  private readonly jobs = new Map<string, string>();

  /** Seeds the known states, so instances already failed at start do not notify. */
  seed(instances: readonly Instance[]): void {
    for (const i of instances) this.statuses.set(i.name, i.status);
  }

  next(event: ServerEvent): DesktopNotification | null {
    if (event.type === 'instance') return this.instance(event.name, event.instance);
    if (event.type === 'job') return this.job(event.job);
    return null;
  }

  private instance(name: string, instance: Instance | null): DesktopNotification | null {
    const before = this.statuses.get(name);
    if (!instance) {
      this.statuses.delete(name);
      return null;
    }
    this.statuses.set(name, instance.status);
    if (before === instance.status) return null;
    const exit = describeExit(instance);
    if (instance.status === 'restarting' && before === 'running') {
      return {
        title: `${name} crashed`,
        body: `The instance exited unexpectedly${exit} and is being restarted.`,
      };
    }
    if (instance.status === 'failed') {
      // the server's reason (last_error) says more than an exit code: a missing model, a bad flag
      const why = instance.last_error?.message?.trim();
      return {
        title: `${name} failed`,
        body: why
          ? `${why[0]!.toUpperCase()}${why.slice(1)}${/[.!?]$/.test(why) ? '' : '.'} It will not be restarted automatically.`
          : `The instance stopped${exit} and will not be restarted automatically.`,
      };
    }
    return null;
  }

  private job(raw: unknown): DesktopNotification | null {
    const parsed = JobSchema.safeParse(raw);
    if (!parsed.success) return null;
    const job = parsed.data;
    const before = this.jobs.get(job.id);
    this.jobs.set(job.id, job.status);
    if (before === job.status) return null;
    const what = job.repo
      ? `${job.repo}${job.tag && job.tag !== 'main' ? `:${job.tag}` : ''}`
      : `job ${job.id}`;
    if (job.status === 'completed') return { title: 'Download complete', body: what };
    if (job.status === 'failed')
      return { title: 'Download failed', body: job.error ? `${what}: ${job.error}` : what };
    return null;
  }
}

function describeExit(i: Instance): string {
  const e = i.last_exit;
  if (!e) return '';
  if (e.signal) return ` (signal ${e.signal})`;
  if (e.code !== null && e.code !== undefined) return ` (exit code ${e.code})`;
  return '';
}
