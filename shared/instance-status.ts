import type { InstanceStatus } from './api/instances';

/**
 * Allowed status transitions (llamactl's meaning). The supervisor asserts every transition
 * against this table; the UI uses it to enable actions.
 */
export const STATUS_TRANSITIONS: Record<InstanceStatus, readonly InstanceStatus[]> = {
  stopped: ['running'],
  running: ['shutting_down', 'stopped', 'restarting', 'failed'],
  restarting: ['running', 'stopped', 'failed', 'shutting_down'],
  failed: ['running', 'stopped'],
  shutting_down: ['stopped'],
};

export function canTransition(from: InstanceStatus, to: InstanceStatus): boolean {
  return from === to || STATUS_TRANSITIONS[from].includes(to);
}

export const canStart = (s: InstanceStatus) =>
  s === 'stopped' || s === 'failed' || s === 'restarting';
export const canStop = (s: InstanceStatus) => s === 'running' || s === 'restarting';
export const canDelete = (s: InstanceStatus) => s !== 'running' && s !== 'shutting_down';
