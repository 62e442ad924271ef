import type { Instance } from '../../../shared/api/instances';
import { findBackend } from '../../../shared/backends';
import type { BadgeTone } from '../../components/badge';
import { sentence } from '../../lib/format';

/** The dashboard's name of a backend type (the type itself for one this build does not know). */
export function backendLabel(type: string | undefined): string {
  return (type && findBackend(type)?.label) || (type ?? '');
}

/** One badge for status + health: what the user cares about is "can I send requests now". */
export function stateBadge(i: Pick<Instance, 'status' | 'health'>): {
  label: string;
  tone: BadgeTone;
  pulse: boolean;
} {
  if (i.status === 'shutting_down') return { label: 'Stopping', tone: 'warning', pulse: true };
  if (i.status === 'restarting') return { label: 'Restarting', tone: 'warning', pulse: true };
  if (i.status === 'failed' || i.health === 'failed')
    return { label: 'Failed', tone: 'danger', pulse: false };
  if (i.status === 'running') {
    if (i.health === 'ready') return { label: 'Ready', tone: 'success', pulse: false };
    if (i.health === 'unhealthy') return { label: 'Unhealthy', tone: 'danger', pulse: true };
    return { label: 'Starting', tone: 'info', pulse: true };
  }
  return { label: 'Stopped', tone: 'neutral', pulse: false };
}

export function instanceModel(i: Instance): string | undefined {
  const o = i.options?.backend_options ?? {};
  const m = (o.model as string) || (o.hf_repo as string) || undefined;
  return m;
}

export function instancePort(i: Instance): number | undefined {
  const p = i.options?.backend_options?.port;
  return typeof p === 'number' && p > 0 ? p : undefined;
}

/** llama.cpp without a model runs in router mode (models loaded on request). */
export function isRouterMode(i: Instance): boolean {
  return findBackend(i.options?.backend_type)?.routerMode === true && !instanceModel(i);
}

export function shortModel(m: string): string {
  const parts = m.split('/');
  return parts[parts.length - 1] || m;
}

/** Why the last start failed or the process crashed, as a sentence; null when nothing failed. */
export function startErrorText(i: Pick<Instance, 'last_error'>): string | null {
  return i.last_error?.message ? sentence(i.last_error.message) : null;
}
