import { describe, expect, it } from 'vitest';
import {
  draftFromOptions,
  draftToOptions,
  emptyDraft,
  FALLBACK_DEFAULTS,
  fieldErrorFromServer,
  fieldLabel,
  fieldSelectors,
  tabOfField,
  validateDraft,
} from './draft';

const base = () => emptyDraft(FALLBACK_DEFAULTS);

describe('instance form draft', () => {
  it('drops blank values but keeps an explicit 0 and false-free booleans', () => {
    const d = {
      ...base(),
      name: 'a',
      backend_options: { ctx_size: 0, model: '', gpu_layers: 99, lora: [] },
      idle_timeout: '0',
    };
    const o = draftToOptions(d);
    expect(o.backend_options).toEqual({ ctx_size: 0, gpu_layers: 99 });
    expect(o.idle_timeout).toBe(0);
    expect(o).not.toHaveProperty('group');
    expect(o).not.toHaveProperty('environment');
  });

  it('turns extra-argument and environment rows into maps, flags exactly as written', () => {
    const d = {
      ...base(),
      extra: [
        { key: '--reasoning-budget', value: '0' },
        { key: '-fa', value: 'on' },
        { key: 'jinja', value: '' },
        { key: '', value: 'x' },
      ],
      env: [{ key: 'CUDA_VISIBLE_DEVICES', value: '1' }],
    };
    const o = draftToOptions(d);
    expect(o.backend_options.extra_args).toEqual({
      '--reasoning-budget': '0',
      '-fa': 'on',
      jinja: '',
    });
    expect(o.environment).toEqual({ CUDA_VISIBLE_DEVICES: '1' });
  });

  it.each([
    [
      'a short flag and -fa in extra_args',
      {
        backend_type: 'llama_cpp' as const,
        backend_options: {
          model: '/m.gguf',
          extra_args: { '-fa': 'on', '-x': '3', 'my-flag': '' },
        },
      },
    ],
    [
      'a docker instance',
      {
        backend_type: 'vllm' as const,
        backend_options: { model: 'org/m' },
        docker_enabled: true,
        environment: { HF_TOKEN: 'secret value' },
      },
    ],
    [
      'a quoted path in the command override',
      {
        backend_type: 'llama_cpp' as const,
        backend_options: { port: 8001 },
        command_override: 'node "/tmp/fake backend.mjs"',
      },
    ],
  ])('gives back the stored options unchanged: %s', (_what, o) => {
    const stored = {
      auto_restart: true,
      max_restarts: 3,
      restart_delay: 5,
      on_demand_start: true,
      idle_timeout: 0.5,
      ...o,
    };
    expect(JSON.stringify(draftToOptions(draftFromOptions('x', stored, base())))).toBe(
      JSON.stringify({
        backend_type: stored.backend_type,
        backend_options: stored.backend_options,
        auto_restart: stored.auto_restart,
        max_restarts: stored.max_restarts,
        restart_delay: stored.restart_delay,
        on_demand_start: stored.on_demand_start,
        idle_timeout: stored.idle_timeout,
        ...('environment' in o ? { environment: o.environment } : {}),
        ...('docker_enabled' in o ? { docker_enabled: o.docker_enabled } : {}),
        ...('command_override' in o ? { command_override: o.command_override } : {}),
      }),
    );
  });

  it('round-trips an exported instance', () => {
    const options = {
      backend_type: 'vllm' as const,
      backend_options: {
        model: 'Qwen/Qwen2.5-7B',
        tensor_parallel_size: 2,
        extra_args: { foo: 'bar' },
      },
      auto_restart: false,
      max_restarts: 1,
      restart_delay: 2,
      on_demand_start: false,
      idle_timeout: 0,
      group: 'big',
      environment: { A: 'b' },
    };
    expect(draftToOptions(draftFromOptions('x', options, base()))).toEqual(options);
  });

  it("reports the name rule and the server's rules for the group, negative numbers and option types", () => {
    const e = validateDraft(
      {
        ...base(),
        name: 'bad name',
        group: 'a b',
        max_restarts: '-1',
        backend_options: { ctx_size: '12x' },
      },
      'create',
    );
    expect(e.name).toMatch(/invalid characters/);
    expect(e.group).toMatch(/group/);
    expect(e.max_restarts).toBe('must be ≥ 0 (got -1)');
    expect(e['backend_options.ctx_size']).toBe('must be an integer');
    expect(validateDraft({ ...base(), name: 'ok' }, 'create')).toEqual({});
  });

  it("shows the option tables' ranges, the rule the server applies", () => {
    const e = validateDraft(
      { ...base(), name: 'r', backend_options: { ctx_size: -5, port: 70000, threads: -1 } },
      'create',
    );
    expect(e['backend_options.ctx_size']).toBe('must be ≥ 0');
    expect(e['backend_options.port']).toBe('must be between 0 and 65535');
    expect(e['backend_options.threads']).toBeUndefined();
  });

  it("shows the server's bounds and messages for restarts and timeouts, and text in a number box", () => {
    const e = validateDraft(
      { ...base(), name: 'n', restart_delay: 99999999999, idle_timeout: '1h', max_restarts: 1.5 },
      'create',
    );
    expect(e.restart_delay).toBe('must be at most 86400 seconds (1 day) (got 99999999999)');
    expect(e.idle_timeout).toBe('must be a number');
    expect(e.max_restarts).toBe('must be an integer (got 1.5)');
  });

  it('reports what the server refuses in the environment and the command override', () => {
    const e = validateDraft(
      {
        ...base(),
        name: 'n',
        env: [{ key: 'A=B', value: 'x' }],
        command_override: 'llama-server && rm -rf ~',
      },
      'create',
    );
    expect(e.environment).toMatch(/^variable name "A=B" is not valid/);
    expect(e.command_override).toBe("shell operator '&&' is not allowed (no shell is used)");
  });

  it('maps server errors to the field they name and the tab that shows it', () => {
    expect(
      fieldErrorFromServer('validation_error', 'backend_options.ctx_size: must be an integer'),
    ).toEqual({
      path: 'backend_options.ctx_size',
      message: 'must be an integer',
    });
    expect(fieldErrorFromServer('instance_exists', 'instance with name a already exists')).toEqual({
      path: 'name',
      message: 'The name is already taken. Choose another one.',
    });
    expect(fieldErrorFromServer('internal_error', 'something broke')).toBeNull();
    expect(tabOfField('backend_options.ctx_size')).toBe('options');
    expect(tabOfField('backend_options.extra_args.x')).toBe('advanced');
    expect(tabOfField('environment.A')).toBe('backend');
    expect(tabOfField('idle_timeout')).toBe('general');
  });

  it('names the field an error path points at, or none when the form has no such field', () => {
    const keys = ['ctx_size', 'model'];
    expect(fieldLabel('command_override', keys)).toBe('Command override');
    expect(fieldLabel('environment.CUDA', keys)).toBe('Environment variables');
    expect(fieldLabel('backend_options.ctx_size', keys)).toBe('ctx_size');
    expect(fieldLabel('backend_options.extra_args.fa', keys)).toBe('Extra arguments');
    expect(fieldLabel('backend_options.no_such', keys)).toBeNull();
    expect(fieldLabel('nodes', keys)).toBeNull();
    expect(fieldSelectors('backend_options.ctx_size')).toEqual([
      '[data-field="backend_options.ctx_size"]',
      '[data-option="ctx_size"]',
      '[data-field="backend_options"]',
    ]);
  });
});
