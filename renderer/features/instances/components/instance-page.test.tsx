import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Instance } from '../../../../shared/api/instances';
import { useAuthStore } from '../../../lib/auth-store';
import { applyInstanceEvent, applyResourcesEvent } from '../../../lib/server-events';
import { renderWithClient, testQueryClient } from '../../../test/render';
import { instanceKeys } from '../queries';
import { InstancePage, uptimeSeconds } from './instance-page';

const KEY = 'llamactl-mgmt-secret-0123456789abcdef';

function alpha(over: Partial<Instance> = {}): Instance {
  return {
    id: 1,
    name: 'alpha',
    status: 'running',
    health: 'ready',
    node: 'main',
    pid: 4242,
    restarts: 1,
    last_request_at: Math.floor(Date.now() / 1000) - 120,
    last_exit: { code: 1, signal: null, at: Math.floor(Date.now() / 1000) - 3600 },
    resources: {
      rss_bytes: 1,
      cpu_percent: 0,
      processes: 1,
      uptime_seconds: 3700,
      listen_ports: [8001],
      gpu_memory_bytes: null,
      sampled_at: Date.now(),
    },
    options: {
      backend_type: 'llama_cpp',
      backend_options: { model: '/models/alpha-Q4_K_M.gguf', port: 8001 },
      auto_restart: true,
      max_restarts: 3,
      restart_delay: 5,
      on_demand_start: true,
      idle_timeout: 0,
    },
    ...over,
  };
}

/** Answers the web UI check and the log stream (empty). */
function fakeFetch(webUi: boolean) {
  const calls: string[] = [];
  const impl = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input));
    calls.push(`${init.method ?? 'GET'} ${url.pathname}`);
    if (url.pathname === '/llama-cpp/alpha/')
      return new Response(null, { status: webUi ? 200 : 404 });
    if (url.pathname.endsWith('/logs/stream'))
      return new Response('data: "llama server listening\\n"\n\n', {
        headers: { 'Content-Type': 'text/event-stream' },
      });
    return new Response('{}', { status: 404 });
  };
  return { calls, fetch: impl as typeof fetch };
}

beforeEach(() => useAuthStore.setState({ status: 'signed-in', key: KEY }));
afterEach(() => vi.unstubAllGlobals());

function show(list: Instance[], webUi = true) {
  const f = fakeFetch(webUi);
  vi.stubGlobal('fetch', f.fetch);
  const client = testQueryClient();
  client.setQueryData(instanceKeys.list(), list);
  renderWithClient(<InstancePage name="alpha" />, client);
  return f;
}

describe('instance page', () => {
  it('shows the state, uptime, pid, port, last request, restarts and last exit', async () => {
    show([alpha()]);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toMatch(/^alpha\s*Ready$/);
    const status = screen.getByRole('region', { name: 'Status' });
    expect(status.textContent).toContain('Uptime1h 1m');
    expect(status.textContent).toContain('PID4242');
    expect(status.textContent).toContain('Port8001');
    expect(status.textContent).toMatch(/Last request2 minutes ago/);
    expect(status.textContent).toContain('Restarts1');
    expect(status.textContent).toMatch(/Last exitexit code 1, 1 hour ago/);
    expect(await screen.findByText('llama server listening')).toBeTruthy();
  });

  it('shows snippets with the key masked, and copies them with the whole key', async () => {
    const user = userEvent.setup();
    show([alpha()]);
    const curl = document.querySelector('[data-snippet="curl"]')!.textContent!;
    expect(curl).toContain('/v1/chat/completions');
    expect(curl).toContain('"model": "alpha"');
    expect(curl).not.toContain(KEY);
    await user.click(screen.getByRole('button', { name: 'Copy curl' }));
    const copied = await navigator.clipboard.readText();
    expect(copied).toContain(`Authorization: Bearer ${KEY}`);
    expect(copied.startsWith("curl 'http")).toBe(true);
    await user.click(screen.getByLabelText('Show key'));
    expect(document.querySelector('[data-snippet="Python"]')!.textContent).toContain(KEY);
    expect(document.querySelector('[data-snippet="JavaScript"]')!.textContent).toContain(
      'model: "alpha"',
    );
  });

  it('links to the chat and, when it answers, to llama-server’s own page', async () => {
    const f = show([alpha()]);
    expect(screen.getByRole('link', { name: 'Open chat' }).getAttribute('href')).toBe(
      '#/chat?model=alpha',
    );
    const page = await screen.findByRole('link', { name: "Open llama-server's page" });
    expect(page.getAttribute('href')).toMatch(/\/llama-cpp\/alpha\/$/);
    expect(f.calls).toContain('HEAD /llama-cpp/alpha/');
  });

  it('offers no llama-server page while the instance is stopped', async () => {
    const f = show([
      alpha({ status: 'stopped', health: 'stopped', pid: undefined, resources: null }),
    ]);
    await screen.findByText(/No log output yet|llama server listening/);
    expect(screen.queryByRole('link', { name: "Open llama-server's page" })).toBeNull();
    expect(f.calls).not.toContain('HEAD /llama-cpp/alpha/');
    expect(screen.getByRole('button', { name: 'Start' })).toBeTruthy();
  });

  it('says why the last start failed until an instance event clears the reason', async () => {
    const failed = alpha({
      status: 'failed',
      health: 'failed',
      pid: undefined,
      resources: null,
      last_error: {
        message: 'model file not found: /models/alpha-Q4_K_M.gguf',
        at: Math.floor(Date.now() / 1000) - 120,
      },
    });
    const client = testQueryClient();
    vi.stubGlobal('fetch', fakeFetch(false).fetch);
    client.setQueryData(instanceKeys.list(), [failed]);
    renderWithClient(<InstancePage name="alpha" />, client);
    const callout = screen.getByText(/The last start failed 2 minutes ago/).closest('.callout')!;
    expect(callout.textContent).toContain('Model file not found: /models/alpha-Q4_K_M.gguf.');
    act(() =>
      applyInstanceEvent(client, {
        type: 'instance',
        seq: 1,
        time: 0,
        name: 'alpha',
        change: 'status',
        instance: alpha({ status: 'running', health: 'starting', last_error: null }),
      }),
    );
    await waitFor(() => expect(screen.queryByText(/The last start failed/)).toBeNull());
  });

  it('says so when no instance has the name', () => {
    show([]);
    expect(screen.getByRole('heading', { name: 'No instance named alpha' })).toBeTruthy();
  });

  it('shows the uptime and memory once the first resource sample arrives', async () => {
    const f = fakeFetch(true);
    vi.stubGlobal('fetch', f.fetch);
    const client = testQueryClient();
    client.setQueryData(instanceKeys.list(), [alpha({ resources: null })]);
    renderWithClient(<InstancePage name="alpha" />, client);
    const status = screen.getByRole('region', { name: 'Status' });
    expect(status.textContent).toContain('Uptime–');
    const sample = { ...alpha().resources!, uptime_seconds: 61, rss_bytes: 512 * 1024 * 1024 };
    act(() =>
      applyResourcesEvent(client, {
        type: 'resources',
        seq: 1,
        time: 0,
        instances: { alpha: sample },
      }),
    );
    await waitFor(() => expect(status.textContent).toMatch(/Uptime1m \d+s/));
    expect(status.textContent).toContain('Memory512 MB');
  });

  it('shows the memory estimate a start is checked against, or a dash without one', () => {
    vi.stubGlobal('fetch', fakeFetch(true).fetch);
    const client = testQueryClient();
    client.setQueryData(instanceKeys.list(), [alpha({ memory_estimate_bytes: 5 * 1024 ** 3 })]);
    const { unmount } = renderWithClient(<InstancePage name="alpha" />, client);
    expect(screen.getByRole('region', { name: 'Status' }).textContent).toContain(
      'Memory estimate5.0 GB',
    );
    unmount();
    client.setQueryData(instanceKeys.list(), [alpha({ memory_estimate_bytes: null })]);
    renderWithClient(<InstancePage name="alpha" />, client);
    expect(screen.getByRole('region', { name: 'Status' }).textContent).toContain(
      'Memory estimate–',
    );
  });

  it('adds the time since the last resource sample to its uptime', () => {
    const i = alpha();
    expect(uptimeSeconds(i, i.resources!.sampled_at + 5000)).toBe(3705);
    expect(uptimeSeconds(alpha({ status: 'stopped' }), Date.now())).toBeNull();
  });
});
