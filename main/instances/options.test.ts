import { loadConfig } from '../config/load-config';
import { connectHost, parseInstanceOptions } from './options';

const config = loadConfig({
  env: {},
  files: false,
  overrides: {
    data_dir: '/tmp/llamactl-options-test',
    nodes: { main: {}, gpu2: { address: 'http://10.0.0.2:8080' } },
  },
});

describe('parseInstanceOptions', () => {
  it.each([
    ['max_restarts', -2],
    ['restart_delay', -1],
    ['idle_timeout', -3],
  ])('refuses a negative %s instead of turning it into 0', (field, value) => {
    expect(() => parseInstanceOptions({ backend_type: 'vllm', [field]: value }, config)).toThrow(
      new RegExp(`^${field}: must be ≥ 0`),
    );
  });

  it('materialises the config defaults', () => {
    expect(parseInstanceOptions({ backend_type: 'llama_cpp' }, config)).toEqual({
      backend_type: 'llama_cpp',
      backend_options: {},
      auto_restart: true,
      max_restarts: 3,
      restart_delay: 5,
      on_demand_start: true,
      idle_timeout: 30,
    });
  });

  it('keeps explicit false and 0', () => {
    const o = parseInstanceOptions(
      {
        backend_type: 'vllm',
        auto_restart: false,
        max_restarts: 0,
        restart_delay: 0,
        on_demand_start: false,
        idle_timeout: 0,
      },
      config,
    );
    expect(o).toMatchObject({
      auto_restart: false,
      max_restarts: 0,
      restart_delay: 0,
      on_demand_start: false,
      idle_timeout: 0,
    });
  });

  it('treats null as absent', () => {
    expect(
      parseInstanceOptions(
        { backend_type: 'mlx_lm', auto_restart: null, environment: null },
        config,
      ),
    ).toMatchObject({ auto_restart: true });
  });

  it('accepts fractional idle_timeout minutes', () => {
    expect(
      parseInstanceOptions({ backend_type: 'llama_cpp', idle_timeout: 0.5 }, config).idle_timeout,
    ).toBe(0.5);
  });

  it('never runs mlx_lm in docker and drops command_override when the instance asks for docker', () => {
    expect(
      parseInstanceOptions({ backend_type: 'mlx_lm', docker_enabled: true }, config).docker_enabled,
    ).toBeUndefined();
    const o = parseInstanceOptions(
      { backend_type: 'llama_cpp', docker_enabled: true, command_override: '/bin/x' },
      config,
    );
    expect(o.docker_enabled).toBe(true);
    expect(o.command_override).toBeUndefined();
  });

  it('sorts backend_options keys like llamactl', () => {
    const o = parseInstanceOptions(
      { backend_type: 'llama_cpp', backend_options: { port: 8001, ctx_size: 10, model: 'm' } },
      config,
    );
    expect(Object.keys(o.backend_options)).toEqual(['ctx_size', 'model', 'port']);
  });

  it.each([
    [{}, 'backend_type: is required'],
    [{ backend_type: 'LLAMA_CPP' }, 'backend_type: must be one of'],
    [{ backend_type: 'llama_cpp', nodes: ['nowhere'] }, 'nodes: unknown node "nowhere"'],
    [{ backend_type: 'llama_cpp', group: '../x' }, 'group: group name contains invalid characters'],
    [{ backend_type: 'llama_cpp', docker_enabled: 'yes' }, 'docker_enabled: must be a boolean'],
    [{ backend_type: 'llama_cpp', command_override: 5 }, 'command_override: must be a string'],
    [{ backend_type: 'llama_cpp', idle_timeout: '10' }, 'idle_timeout: must be a number'],
    [
      { backend_type: 'llama_cpp', restart_delay: 99999999999 },
      'restart_delay: must be at most 86400 seconds (1 day) (got 99999999999)',
    ],
    [
      { backend_type: 'llama_cpp', idle_timeout: 10081 },
      'idle_timeout: must be at most 10080 minutes',
    ],
    [
      { backend_type: 'llama_cpp', backend_options: { model: 'a\0b' } },
      'backend_options.model: must not contain a NUL byte',
    ],
    [
      { backend_type: 'llama_cpp', backend_options: { extra_args: { 'x-y': 'a\0' } } },
      'backend_options.extra_args.x-y: must not contain a NUL byte',
    ],
    [
      { backend_type: 'llama_cpp', command_override: '/bin/x\0' },
      'command_override: must not contain a NUL byte',
    ],
    [
      { backend_type: 'llama_cpp', environment: { A: 'x\0y' } },
      'environment.A: must not contain a NUL byte',
    ],
    [
      { backend_type: 'llama_cpp', environment: { '': 'x' } },
      'environment: variable name "" is not valid',
    ],
    [
      { backend_type: 'llama_cpp', environment: { 'A=B': 'x' } },
      'environment: variable name "A=B" is not valid',
    ],
  ])('refuses %j', (body, message) => {
    expect(() => parseInstanceOptions(body, config)).toThrow(message);
  });

  it('refuses a body that is not an object', () => {
    expect(() => parseInstanceOptions([], config)).toThrow('request body must be a JSON object');
    expect(() => parseInstanceOptions(undefined, config)).toThrow(
      'request body must be a JSON object',
    );
  });

  it('keeps known nodes', () => {
    expect(
      parseInstanceOptions({ backend_type: 'llama_cpp', nodes: ['gpu2', 'gpu2'] }, config).nodes,
    ).toEqual(['gpu2']);
  });
});

describe('connectHost', () => {
  const withHost = (host?: string) => ({
    backend_type: 'llama_cpp' as const,
    backend_options: host === undefined ? {} : { host },
    auto_restart: true,
    max_restarts: 0,
    restart_delay: 0,
    on_demand_start: true,
    idle_timeout: 0,
  });
  it.each([
    [undefined, '127.0.0.1'],
    ['', '127.0.0.1'],
    ['0.0.0.0', '127.0.0.1'],
    ['::', '127.0.0.1'],
    ['[::1]', '::1'],
    ['192.168.1.5', '192.168.1.5'],
  ])('connects to %s through %s', (host, expected) => {
    expect(connectHost(withHost(host))).toBe(expected);
  });
});
