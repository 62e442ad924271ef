import { afterEach, describe, expect, it } from 'vitest';
import { ServerUnreachableError } from '../lib/connection';
import { toast, useToastStore } from './toasts';

afterEach(() => useToastStore.setState({ toasts: [] }));

describe('toasts', () => {
  it('shows nothing for an unreachable server: the banner says it once', () => {
    toast.error('Could not start alpha', new ServerUnreachableError('http://127.0.0.1:1/'));
    expect(useToastStore.getState().toasts).toEqual([]);
  });

  it('shows the message of any other error, and the same message only once at a time', () => {
    toast.error('Could not start alpha', new Error('port 8001 is in use'));
    toast.error('Could not start alpha', new Error('port 8001 is in use'));
    toast.error('Could not start beta', new Error('port 8001 is in use'));
    expect(useToastStore.getState().toasts.map((t) => `${t.title}: ${t.body}`)).toEqual([
      'Could not start alpha: port 8001 is in use',
      'Could not start beta: port 8001 is in use',
    ]);
  });
});
