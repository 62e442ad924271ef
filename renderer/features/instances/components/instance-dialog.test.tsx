import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { optionFields } from '../../../../shared/backends';
import { useToastStore } from '../../../components/toasts';
import { fakeServer, renderWithClient, testQueryClient } from '../../../test/render';
import { systemKeys } from '../../system/queries';
import { instanceKeys } from '../queries';
import { useInstancesUi } from '../ui-store';
import { InstanceDialog } from './instance-dialog';

function client() {
  const c = testQueryClient();
  c.setQueryData(instanceKeys.list(), []);
  c.setQueryData(systemKeys.config(), {
    local_node: 'main',
    nodes: { main: { address: '' } },
    instances: {
      default_auto_restart: true,
      default_max_restarts: 3,
      default_restart_delay: 5,
      default_on_demand_start: true,
      default_idle_timeout: 30,
    },
    backends: { 'llama-cpp': { command: 'llama-server', args: [] } },
  });
  return c;
}

afterEach(() => {
  vi.unstubAllGlobals();
  useInstancesUi.setState({ dialog: null });
});

const created = (name: string) => ({
  id: 1,
  name,
  status: 'stopped',
  health: 'stopped',
  options: { backend_type: 'llama_cpp', backend_options: {} },
});

// the dialog renders many inputs; jsdom on a shared CPU needs more than the default 5 s
describe('instance dialog', { timeout: 30_000 }, () => {
  it('shows whether the options fit the free memory, as the server estimates them, while they change', async () => {
    const user = userEvent.setup();
    const srv = fakeServer([]);
    const asked: { ctx_size?: number }[] = [];
    const GIB = 1024 ** 3;
    vi.stubGlobal('fetch', async (input: RequestInfo | URL, init: RequestInit = {}) => {
      if (new URL(String(input)).pathname !== '/api/v1/system/memory-estimate')
        return srv.fetch(input, init);
      const bo = JSON.parse(String(init.body)).backend_options;
      asked.push(bo);
      const big = bo.ctx_size === 131072;
      return new Response(
        JSON.stringify({
          estimate_bytes: big ? 21 * GIB : 5 * GIB,
          free_bytes: 12 * GIB,
          evictable_bytes: 0,
          verdict: big ? 'wont_fit' : 'fits',
          memory: 'ram',
          breakdown: {
            weights_bytes: 4 * GIB,
            kv_cache_bytes: big ? 16 * GIB : GIB / 2,
            compute_bytes: GIB / 4,
            overhead_bytes: GIB / 4,
          },
          context_size: bo.ctx_size ?? 131072,
          check_enabled: true,
        }),
        { status: 200, headers: { 'Content-Type': 'application/json' } },
      );
    });
    useInstancesUi.setState({ dialog: { kind: 'create' } });
    renderWithClient(<InstanceDialog mode="create" />, client());
    await user.click(screen.getByRole('tab', { name: /Options/ }));
    await user.type(screen.getByLabelText(/^model--model$/), '/m.gguf');
    const ctx = screen.getByLabelText(/^ctx_size--ctx-size$/);
    await user.type(ctx, '131072');
    const line = await screen.findByRole('region', { name: 'Memory estimate' });
    await vi.waitFor(() => expect(line.getAttribute('data-verdict')).toBe('wont_fit'));
    expect(within(line).getByText("won't fit")).toBeTruthy();
    expect(line.textContent).toContain('Needs about 21.0 GB; 12.0 GB free');
    expect(line.textContent).toContain('A start will be refused');
    await user.clear(ctx);
    await user.type(ctx, '8192');
    await vi.waitFor(() =>
      expect(
        screen.getByRole('region', { name: 'Memory estimate' }).getAttribute('data-verdict'),
      ).toBe('fits'),
    );
    expect(screen.getByRole('region', { name: 'Memory estimate' }).textContent).toContain(
      'Needs about 5.0 GB',
    );
    expect(asked.at(-1)).toEqual({ model: '/m.gguf', ctx_size: 8192 });
  });

  it('refuses an invalid name before calling the server', async () => {
    const user = userEvent.setup();
    const srv = fakeServer([]);
    vi.stubGlobal('fetch', srv.fetch);
    useInstancesUi.setState({ dialog: { kind: 'create' } });
    renderWithClient(<InstanceDialog mode="create" />, client());
    await user.type(screen.getByLabelText('Name'), 'my model');
    await user.click(screen.getByRole('button', { name: 'Create instance' }));
    expect(screen.getByText(/invalid characters/)).toBeTruthy();
    expect(srv.requests).toEqual([]);
  });

  it('posts the typed options, shows them as a command line, and closes on success', async () => {
    const user = userEvent.setup();
    const srv = fakeServer([
      { method: 'POST', path: '/instances/qwen', status: 201, body: created('qwen') },
    ]);
    vi.stubGlobal('fetch', srv.fetch);
    useInstancesUi.setState({ dialog: { kind: 'create' } });
    renderWithClient(<InstanceDialog mode="create" />, client());
    await user.type(screen.getByLabelText('Name'), 'qwen');
    await user.click(screen.getByRole('tab', { name: /Options/ }));
    const ctx = screen.getByLabelText(/^ctx_size--ctx-size$/);
    await user.type(ctx, '8k');
    expect(screen.getByText(/^Must be an integer/)).toBeTruthy();
    await user.clear(ctx);
    await user.type(ctx, '8192');
    await user.type(screen.getByLabelText(/^model--model$/), '/m.gguf');
    expect(screen.getByTestId('command-preview').textContent).toBe(
      'llama-server --ctx-size 8192 --model /m.gguf --alias qwen',
    );
    await user.click(screen.getByRole('button', { name: 'Create instance' }));
    await vi.waitFor(() => expect(useInstancesUi.getState().dialog).toBeNull());
    // the memory estimate of the draft may have been asked for too
    expect(srv.requests.find((r) => r.path === '/instances/qwen')?.body).toEqual({
      backend_type: 'llama_cpp',
      backend_options: { ctx_size: 8192, model: '/m.gguf' },
      auto_restart: true,
      max_restarts: 3,
      restart_delay: 5,
      on_demand_start: true,
      idle_timeout: 30,
    });
  });

  it("shows the server's validation message on the field and switches to its tab", async () => {
    const user = userEvent.setup();
    vi.stubGlobal(
      'fetch',
      fakeServer([
        {
          method: 'POST',
          path: '/instances/x',
          status: 400,
          body: {
            error: 'validation_error',
            details: 'backend_options.flash_attn: must be on, off or auto',
          },
        },
      ]).fetch,
    );
    useInstancesUi.setState({ dialog: { kind: 'create' } });
    renderWithClient(<InstanceDialog mode="create" />, client());
    await user.type(screen.getByLabelText('Name'), 'x');
    await user.click(screen.getByRole('button', { name: 'Create instance' }));
    expect(await screen.findByText('Must be on, off or auto.')).toBeTruthy();
    expect(screen.getByRole('tab', { name: /Options/ }).getAttribute('aria-selected')).toBe('true');
    expect(useInstancesUi.getState().dialog).not.toBeNull();
  });

  it('says once, on the field, that the name is taken, and focuses the name', async () => {
    const user = userEvent.setup();
    vi.stubGlobal(
      'fetch',
      fakeServer([
        {
          method: 'POST',
          path: '/instances/taken',
          status: 409,
          body: { error: 'instance_exists', details: 'instance with name taken already exists' },
        },
      ]).fetch,
    );
    useInstancesUi.setState({ dialog: { kind: 'create' } });
    renderWithClient(<InstanceDialog mode="create" />, client());
    await user.type(screen.getByLabelText('Name'), 'taken');
    await user.click(screen.getByRole('tab', { name: /Options/ }));
    await user.click(screen.getByRole('button', { name: 'Create instance' }));
    expect(await screen.findByText('The name is already taken. Choose another one.')).toBeTruthy();
    expect(screen.getAllByText(/already (taken|exists)/)).toHaveLength(1);
    expect(screen.getByRole('tab', { name: /General/ }).getAttribute('aria-selected')).toBe('true');
    await vi.waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('Name')));
    expect(screen.getByRole('button', { name: 'Name on the General tab' })).toBeTruthy();
  });

  it('points at a field on another tab in words, switches to it and focuses the field', async () => {
    const user = userEvent.setup();
    vi.stubGlobal(
      'fetch',
      fakeServer([
        {
          method: 'POST',
          path: '/instances/x',
          status: 400,
          body: {
            error: 'validation_error',
            details: 'command_override: must not contain a NUL byte',
          },
        },
      ]).fetch,
    );
    useInstancesUi.setState({ dialog: { kind: 'create' } });
    renderWithClient(<InstanceDialog mode="create" />, client());
    await user.type(screen.getByLabelText('Name'), 'x');
    await user.click(screen.getByRole('button', { name: 'Create instance' }));
    expect(await screen.findByText('Must not contain a NUL byte.')).toBeTruthy();
    expect(screen.getByRole('tab', { name: /Backend/ }).getAttribute('aria-selected')).toBe('true');
    await vi.waitFor(() =>
      expect(document.activeElement).toBe(screen.getByLabelText('Command override')),
    );
    const summary = screen.getByRole('button', { name: 'Command override on the Backend tab' });
    expect(summary.closest('.callout')!.textContent).toBe(
      'Check Command override on the Backend tab.',
    );
    // the summary brings the field back after the user went elsewhere
    await user.click(screen.getByRole('tab', { name: /General/ }));
    await user.click(screen.getByRole('button', { name: 'Command override on the Backend tab' }));
    await vi.waitFor(() =>
      expect(document.activeElement).toBe(screen.getByLabelText('Command override')),
    );
  });

  it('shows and focuses an option with an error even past the first page of the option list', async () => {
    const user = userEvent.setup();
    const rare = optionFields('llama_cpp').filter((f) => !f.common && f.type !== 'bool')[45]!;
    vi.stubGlobal(
      'fetch',
      fakeServer([
        {
          method: 'POST',
          path: '/instances/x',
          status: 400,
          body: {
            error: 'validation_error',
            details: `backend_options.${rare.key}: is not accepted by this build`,
          },
        },
      ]).fetch,
    );
    useInstancesUi.setState({ dialog: { kind: 'create' } });
    renderWithClient(<InstanceDialog mode="create" />, client());
    await user.type(screen.getByLabelText('Name'), 'x');
    await user.click(screen.getByRole('button', { name: 'Create instance' }));
    expect(await screen.findByText('Is not accepted by this build.')).toBeTruthy();
    const field = document.querySelector(`[data-option="${rare.key}"]`)!;
    await vi.waitFor(() => expect(field.contains(document.activeElement)).toBe(true));
  });

  it('shows a server error that names no field of the form once, above the form', async () => {
    const user = userEvent.setup();
    vi.stubGlobal(
      'fetch',
      fakeServer([
        {
          method: 'POST',
          path: '/instances/x',
          status: 400,
          body: {
            error: 'validation_error',
            details: 'nodes: unknown node "far" (configured: main)',
          },
        },
      ]).fetch,
    );
    useInstancesUi.setState({ dialog: { kind: 'create' } });
    renderWithClient(<InstanceDialog mode="create" />, client());
    await user.type(screen.getByLabelText('Name'), 'x');
    await user.click(screen.getByRole('button', { name: 'Create instance' }));
    expect(await screen.findByText('Unknown node "far" (configured: main).')).toBeTruthy();
    expect(screen.getAllByText(/unknown node/i)).toHaveLength(1);
  });

  it('imports options from a pasted command line', async () => {
    const user = userEvent.setup();
    const srv = fakeServer([
      {
        method: 'POST',
        path: '/backends/vllm/parse-command',
        body: {
          backend_type: 'vllm',
          backend_options: { model: 'Qwen/Q', tensor_parallel_size: 2 },
        },
      },
    ]);
    vi.stubGlobal('fetch', srv.fetch);
    useInstancesUi.setState({ dialog: { kind: 'create' } });
    renderWithClient(<InstanceDialog mode="create" />, client());
    await user.click(screen.getByRole('tab', { name: 'Backend' }));
    await user.type(screen.getByLabelText('Command line to import'), 'vllm serve Qwen/Q -tp 2');
    await user.click(screen.getByRole('button', { name: 'Import command' }));
    await vi.waitFor(() =>
      expect(screen.getByTestId('command-preview').textContent).toBe(
        'vllm serve Qwen/Q --tensor-parallel-size 2',
      ),
    );
    expect(srv.requests[0].body).toEqual({ command: 'vllm serve Qwen/Q -tp 2' });
    expect(
      (
        within(screen.getByRole('group', { name: 'Backend' })).getByLabelText(
          /vLLM/,
        ) as HTMLInputElement
      ).checked,
    ).toBe(true);
  });

  it('imports the executable of a pasted command as the command override and says so', async () => {
    const user = userEvent.setup();
    const srv = fakeServer([
      {
        method: 'POST',
        path: '/backends/llama-cpp/parse-command',
        body: {
          backend_type: 'llama_cpp',
          backend_options: { model: 'model.gguf', ctx_size: 512 },
          command: '/opt/llama/bin/llama-server',
        },
      },
    ]);
    vi.stubGlobal('fetch', srv.fetch);
    useInstancesUi.setState({ dialog: { kind: 'create' } });
    renderWithClient(<InstanceDialog mode="create" />, client());
    await user.click(screen.getByRole('tab', { name: 'Backend' }));
    await user.type(
      screen.getByLabelText('Command line to import'),
      '/opt/llama/bin/llama-server -m model.gguf -c 512',
    );
    await user.click(screen.getByRole('button', { name: 'Import command' }));
    await vi.waitFor(() =>
      expect((screen.getByLabelText('Command override') as HTMLInputElement).value).toBe(
        '/opt/llama/bin/llama-server',
      ),
    );
    expect(useToastStore.getState().toasts.at(-1)?.body).toBe(
      '2 options set for llama.cpp. Command override set to /opt/llama/bin/llama-server.',
    );
    expect(screen.getByTestId('command-preview').textContent).toBe(
      '/opt/llama/bin/llama-server --ctx-size 512 --model model.gguf --alias \\<name\\>',
    );
  });

  it('loads name and settings from an exported JSON file', async () => {
    const user = userEvent.setup();
    vi.stubGlobal('fetch', fakeServer([]).fetch);
    useInstancesUi.setState({ dialog: { kind: 'create' } });
    renderWithClient(<InstanceDialog mode="create" />, client());
    const exported = {
      name: 'from-file',
      options: {
        backend_type: 'mlx_lm',
        backend_options: { model: 'mlx-community/Q-4bit', temp: 0.7 },
        group: 'mac',
      },
    };
    await user.upload(
      screen.getByLabelText('Import JSON file'),
      new File([JSON.stringify(exported)], 'from-file.json', { type: 'application/json' }),
    );
    await vi.waitFor(() =>
      expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('from-file'),
    );
    expect((screen.getByLabelText('Group') as HTMLInputElement).value).toBe('mac');
    expect(screen.getByTestId('command-preview').textContent).toBe(
      'mlx_lm.server --model mlx-community/Q-4bit --temp 0.7',
    );
  });

  it('offers Browse… for the model file only when the desktop bridge exposes the file dialog', async () => {
    const user = userEvent.setup();
    vi.stubGlobal('fetch', fakeServer([]).fetch);
    useInstancesUi.setState({ dialog: { kind: 'create' } });
    const plain = renderWithClient(<InstanceDialog mode="create" />, client());
    await user.click(screen.getByRole('tab', { name: /Options/ }));
    expect(screen.getByLabelText(/^model--model$/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Browse/ })).toBeNull();
    plain.unmount();

    const picks: Array<string | null> = [null, '/models/Qwen3-1.7B-Q4_K_M.gguf'];
    vi.stubGlobal('llamactlDesktop', { chooseModelFile: async () => picks.shift() ?? null });
    renderWithClient(<InstanceDialog mode="create" />, client());
    await user.type(screen.getByLabelText('Name'), 'qwen');
    await user.click(screen.getByRole('tab', { name: /Options/ }));
    const browse = screen.getByRole('button', { name: 'Browse for the model file' });
    expect(screen.getAllByRole('button', { name: /Browse/ })).toHaveLength(1);
    // cancelled: the field stays as it was
    await user.click(browse);
    expect((screen.getByLabelText(/^model--model$/) as HTMLInputElement).value).toBe('');
    await user.click(browse);
    await vi.waitFor(() =>
      expect((screen.getByLabelText(/^model--model$/) as HTMLInputElement).value).toBe(
        '/models/Qwen3-1.7B-Q4_K_M.gguf',
      ),
    );
    expect(screen.getByTestId('command-preview').textContent).toContain(
      '--model /models/Qwen3-1.7B-Q4_K_M.gguf',
    );
  });
});
