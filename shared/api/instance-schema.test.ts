import { describe, expect, it } from 'vitest';
import { findBackend } from '../backends';
import { instanceOptionsJsonSchema, instanceOptionsSchema, issueText } from './instance-schema';
import { MAX_IDLE_TIMEOUT_MIN, MAX_RESTART_DELAY_S } from './instances';

const defaults = {
  auto_restart: true,
  max_restarts: 3,
  restart_delay: 5,
  on_demand_start: true,
  idle_timeout: 30,
};
const schema = instanceOptionsSchema({ defaults, nodes: ['main', 'gpu2'] });

const issues = (body: unknown) => {
  const r = schema.safeParse(body);
  return r.success ? [] : r.error.issues.map(issueText);
};

type Json = Record<string, any>;
const branchOf = (doc: Json, type: string): Json =>
  (doc.oneOf ?? doc.anyOf).find((b: Json) => b.properties.backend_type.const === type);

describe('the instance schema', () => {
  it('returns the options as the server stores them: defaults materialised, keys sorted', () => {
    expect(
      schema.parse({
        backend_type: 'llama_cpp',
        backend_options: { port: 8001, c: '4096', model: '/m.gguf', '-fa': 'on' },
        nodes: ['gpu2', 'gpu2'],
        group: '',
        command_override: '  ',
      }),
    ).toEqual({
      nodes: ['gpu2'],
      backend_type: 'llama_cpp',
      backend_options: {
        ctx_size: 4096,
        extra_args: { '-fa': 'on' },
        model: '/m.gguf',
        port: 8001,
      },
      ...defaults,
    });
  });

  it('reports every broken field on its own path, typed backend options included', () => {
    expect(
      issues({
        backend_type: 'llama_cpp',
        backend_options: { ctx_size: -1, port: 'x' },
        group: 'a b',
        max_restarts: -2,
        nodes: ['nowhere'],
      }),
    ).toEqual([
      'nodes: unknown node "nowhere" (configured: main, gpu2)',
      'group: group name contains invalid characters (only alphanumeric, periods, hyphens, underscores allowed)',
      'max_restarts: must be ≥ 0 (got -2)',
      'backend_options.ctx_size: must be ≥ 0',
      'backend_options.port: must be an integer',
    ]);
  });

  it('names the field of a NUL byte inside backend options and a malformed extra_args', () => {
    expect(
      issues({ backend_type: 'vllm', backend_options: { extra_args: { 'x-y': 'a\0' } } }),
    ).toEqual(['backend_options.extra_args.x-y: must not contain a NUL byte']);
    expect(
      issues({ backend_type: 'vllm', backend_options: { extra_args: { 'a b': '' } } }),
    ).toEqual(['backend_options.extra_args.a b: flag names cannot be empty or contain spaces']);
  });
});

describe('the published JSON Schema', () => {
  const doc = instanceOptionsJsonSchema() as Json;

  it('has one branch per backend, keyed by backend_type', () => {
    expect(
      (doc.oneOf ?? doc.anyOf).map((b: Json) => b.properties.backend_type.const).sort(),
    ).toEqual(['llama_cpp', 'mlx_lm', 'vllm']);
    expect(branchOf(doc, 'vllm').required).toContain('backend_type');
  });

  it("carries the option tables' ranges and the server's bounds", () => {
    const llama = branchOf(doc, 'llama_cpp');
    const port = findBackend('llama_cpp')!.options.find((f) => f.key === 'port')!;
    const bo = llama.properties.backend_options.anyOf.find((s: Json) => s.type === 'object');
    expect(bo.properties.port).toMatchObject({
      type: 'integer',
      minimum: port.min,
      maximum: port.max,
    });
    expect(bo.properties.ctx_size.minimum).toBe(0);
    expect(bo.properties.extra_args.additionalProperties).toEqual({ type: 'string' });
    const delay = llama.properties.restart_delay.anyOf.find((s: Json) => s.type === 'integer');
    expect(delay).toMatchObject({ minimum: 0, maximum: MAX_RESTART_DELAY_S });
    const idle = llama.properties.idle_timeout.anyOf.find((s: Json) => s.type === 'number');
    expect(idle).toMatchObject({ minimum: 0, maximum: MAX_IDLE_TIMEOUT_MIN });
  });

  it('is plain JSON (it goes into the OpenAPI document as is)', () => {
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    expect(doc.$schema).toMatch(/json-schema/);
  });
});
