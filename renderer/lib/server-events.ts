import type { ActivityRecord } from '../../shared/api/activity';
import { activityKeys, prependActivity } from '../features/activity/api';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { create } from 'zustand';
import type { DownloadJob } from '../../shared/api/models';
import type { Instance } from '../../shared/api/instances';
import type { InstanceEvent, JobEvent, ResourcesEvent } from '../../shared/api/events';
import { apiUrl, probeServer } from './api-client';
import { noteReachable } from './connection';
import { instanceOverlay, jobOverlay } from './live-lists';
import { useAuthStore } from './auth-store';
import { instanceKeys } from '../features/instances/queries';
import { modelKeys } from '../features/models/queries';
import { systemKeys } from '../features/system/queries';

export type LiveState = 'connecting' | 'live' | 'reconnecting';
export const useLiveStore = create<{ state: LiveState; set(s: LiveState): void }>((set) => ({
  state: 'connecting',
  set: (state) => set({ state }),
}));
export const useLiveState = () => useLiveStore((s) => s.state);

/** Client-side speed estimate from successive job events, for servers that send no speed. */
const lastSample = new Map<string, { t: number; bytes: number; bps: number }>();
export function jobSpeed(job: DownloadJob): number {
  if (job.progress?.speed_bps) return job.progress.speed_bps;
  return lastSample.get(job.id)?.bps ?? 0;
}

export function applyInstanceEvent(qc: QueryClient, ev: InstanceEvent): void {
  instanceOverlay.note(ev.name, ev.change === 'deleted' ? null : ev.instance);
  qc.setQueryData<Instance[]>(instanceKeys.list(), (old) => {
    if (!old) return old;
    const rest = old.filter((i) => i.name !== ev.name);
    if (ev.change === 'deleted' || !ev.instance) return rest;
    return [...rest, ev.instance];
  });
}

/**
 * A resource sample (every 2 s while the event stream is open) refreshes the running instances'
 * `resources` (uptime, memory) in the list; instances without a sample keep their object.
 */
export function applyResourcesEvent(qc: QueryClient, ev: ResourcesEvent): void {
  qc.setQueryData<Instance[]>(instanceKeys.list(), (old) =>
    old?.map((i) => {
      const r = ev.instances[i.name];
      return r && i.status === 'running' ? { ...i, resources: r } : i;
    }),
  );
}

export function applyJobEvent(qc: QueryClient, ev: JobEvent): void {
  const job = ev.job as DownloadJob;
  if (!job?.id) return;
  if (ev.removed) {
    lastSample.delete(job.id);
    jobOverlay.note(job.id, null);
    qc.setQueryData<DownloadJob[]>(modelKeys.jobs(), (old) => old?.filter((j) => j.id !== job.id));
    return;
  }
  const now = Date.now();
  const prev = lastSample.get(job.id);
  const bytes = job.progress?.bytes_downloaded ?? 0;
  if (prev && now > prev.t) {
    const inst = ((bytes - prev.bytes) * 1000) / (now - prev.t);
    lastSample.set(job.id, { t: now, bytes, bps: prev.bps ? prev.bps * 0.7 + inst * 0.3 : inst });
  } else if (!prev) lastSample.set(job.id, { t: now, bytes, bps: 0 });
  let known = false;
  jobOverlay.note(job.id, job);
  qc.setQueryData<DownloadJob[]>(modelKeys.jobs(), (old) => {
    const list = old ?? [];
    known = list.some((j) => j.id === job.id);
    return known ? list.map((j) => (j.id === job.id ? job : j)) : [job, ...list];
  });
  if (job.status === 'completed')
    // a finished runtime install changes the runtimes (and the default), not the model cache
    void qc.invalidateQueries({
      queryKey: (job as { kind?: string }).kind === 'runtime' ? ['runtimes'] : modelKeys.all,
    });
}

/**
 * One EventSource for the whole dashboard: instance, job and node changes are written straight
 * into the react-query cache, so no view polls. Each time the stream opens the instance list is
 * refetched once (and after a reconnect the jobs too), because events sent before are lost.
 */
export function useServerEvents(): void {
  const qc = useQueryClient();
  const key = useAuthStore((s) => s.key);
  const setLive = useLiveStore((s) => s.set);
  useEffect(() => {
    let es: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    let attempts = 0;
    let hadConnection = false;
    const connect = () => {
      const url = apiUrl('/events') + (key ? `?api_key=${encodeURIComponent(key)}` : '');
      es = new EventSource(url);
      es.onopen = () => {
        setLive('live');
        noteReachable();
        attempts = 0;
        // Changes made before the stream was open never reach it: after a reconnect, and also
        // the first time, as the list the dashboard first showed was fetched before this stream
        // was asked for (an instance that failed in between stayed "Starting" on screen). The
        // overlay keeps the refetch from undoing events that arrive while it is on its way.
        void qc.invalidateQueries({ queryKey: instanceKeys.list() });
        if (hadConnection) void qc.invalidateQueries({ queryKey: modelKeys.jobs() });
        hadConnection = true;
      };
      es.addEventListener('instance', (e) =>
        applyInstanceEvent(qc, JSON.parse((e as MessageEvent).data)),
      );
      es.addEventListener('resources', (e) =>
        applyResourcesEvent(qc, JSON.parse((e as MessageEvent).data)),
      );
      es.addEventListener('job', (e) => applyJobEvent(qc, JSON.parse((e as MessageEvent).data)));
      es.addEventListener('activity', (e) => {
        const { activity } = JSON.parse((e as MessageEvent).data) as { activity: ActivityRecord };
        qc.setQueryData<ActivityRecord[]>(activityKeys.all, (old) =>
          prependActivity(old, activity),
        );
      });
      es.addEventListener(
        'node',
        () => void qc.invalidateQueries({ queryKey: systemKeys.nodes() }),
      );
      es.onerror = () => {
        setLive('reconnecting');
        // a lost stream is the first sign of a server that went away: ask whether it answers at
        // all (no answer shows the banner; a 401 signs out through the API client)
        if (!closed) void probeServer();
        if (es?.readyState === EventSource.CLOSED && !closed) {
          // the browser gave up (non-200 answer): retry with back-off
          es.close();
          attempts++;
          retry = setTimeout(connect, Math.min(30_000, 1000 * 2 ** Math.min(attempts, 5)));
        }
      };
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(retry);
      es?.close();
    };
  }, [qc, key, setLive]);
}
