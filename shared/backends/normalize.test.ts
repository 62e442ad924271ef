import { AppError } from '../errors';
import { normalizeBackendOptions } from './normalize';

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

describe('normalizeBackendOptions', () => {
  it('treats null and undefined as no options', () => {
    expect(normalizeBackendOptions('llama_cpp', null)).toEqual({});
    expect(normalizeBackendOptions('llama_cpp', undefined)).toEqual({});
  });

  it('rejects a non-object', () => {
    const e = errorOf(() => normalizeBackendOptions('vllm', ['x']));
    expect(e.code).toBe('validation_error');
    expect(e.status).toBe(400);
    expect(e.details).toBe('backend_options: must be an object');
  });

  it('keeps explicit 0 and false', () => {
    expect(
      normalizeBackendOptions('llama_cpp', { temp: 0, gpu_layers: 0, seed: 0, mlock: false }),
    ).toEqual({
      gpu_layers: 0,
      mlock: false,
      seed: 0,
      temp: 0,
    });
  });

  it('maps llama.cpp aliases onto canonical keys', () => {
    expect(
      normalizeBackendOptions('llama_cpp', {
        ngl: 99,
        c: 8192,
        m: '/m.gguf',
        fa: 'on',
        hf: 'org/repo',
      }),
    ).toEqual({
      ctx_size: 8192,
      flash_attn: 'on',
      gpu_layers: 99,
      model: '/m.gguf',
      hf_repo: 'org/repo',
    });
  });

  it('lets an alias win over its canonical key, as llamactl does', () => {
    expect(normalizeBackendOptions('llama_cpp', { gpu_layers: 1, ngl: 2 })).toEqual({
      gpu_layers: 2,
    });
  });

  it('treats no_mmproj as its own field, not also as the alias of no_mmproj_auto', () => {
    expect(normalizeBackendOptions('llama_cpp', { no_mmproj: true })).toEqual({ no_mmproj: true });
  });

  it('accepts keys in another case as the canonical key, without copying them to extra_args', () => {
    expect(normalizeBackendOptions('llama_cpp', { Model: '/m.gguf' })).toEqual({
      model: '/m.gguf',
    });
  });

  it('moves unknown keys to extra_args in flag spelling, a true one as a bare flag, a false one dropped', () => {
    expect(
      normalizeBackendOptions('llama_cpp', {
        my_flag: 'x',
        other: true,
        off: false,
        n_big: 1e21,
        model: 'm',
      }),
    ).toEqual({
      model: 'm',
      extra_args: { 'my-flag': 'x', other: '', 'n-big': '1000000000000000000000' },
    });
  });

  it('merges explicit extra_args after unknown keys, keeping their spelling', () => {
    expect(
      normalizeBackendOptions('vllm', {
        a_b: '1',
        extra_args: { 'log-file': '/x', c_d: 2, '-q': 'awq' },
      }),
    ).toEqual({
      extra_args: { 'a-b': '1', 'log-file': '/x', c_d: '2', '-q': 'awq' },
    });
  });

  it.each([
    ['bool from a number', 'llama_cpp', { mlock: 1 }, 'backend_options.mlock: must be a boolean'],
    [
      'int from a fraction',
      'llama_cpp',
      { threads: 4.5 },
      'backend_options.threads: must be an integer',
    ],
    [
      'int from text',
      'llama_cpp',
      { ctx_size: 'big' },
      'backend_options.ctx_size: must be an integer',
    ],
    ['num from text', 'mlx_lm', { temp: 'hot' }, 'backend_options.temp: must be a number'],
    ['str from an object', 'vllm', { model: { a: 1 } }, 'backend_options.model: must be a string'],
    [
      'str[] from numbers and objects',
      'llama_cpp',
      { lora: [{}] },
      'backend_options.lora: must be a list of strings',
    ],
    [
      'port out of range',
      'llama_cpp',
      { port: 70000 },
      'backend_options.port: must be between 0 and 65535',
    ],
    [
      'alias named in the error',
      'llama_cpp',
      { ngl: 'lots' },
      'backend_options.ngl: must be an integer',
    ],
    [
      'pair with one value',
      'llama_cpp',
      { spec_replace: 'a' },
      'backend_options.spec_replace: must hold exactly two values separated by a space',
    ],
    [
      'extra_args not an object',
      'llama_cpp',
      { extra_args: 'x' },
      'backend_options.extra_args: must be an object of flag -> string value',
    ],
    [
      'extra_args with an object value',
      'llama_cpp',
      { extra_args: { a: {} } },
      'backend_options.extra_args.a: must be a string',
    ],
    [
      'unknown key with an object value',
      'llama_cpp',
      { weird: { a: 1 } },
      'backend_options.weird: unknown option with a value that is not a string, number or boolean (use extra_args)',
    ],
  ] as const)('rejects %s with a 400 naming the field', (_n, type, raw, details) => {
    const e = errorOf(() => normalizeBackendOptions(type, raw));
    expect(e.code).toBe('validation_error');
    expect(e.details).toBe(details);
  });

  it('coerces numeric strings for numbers and numbers for strings', () => {
    expect(
      normalizeBackendOptions('llama_cpp', { threads: '8', temp: '0.5', model: 7, device: 0 }),
    ).toEqual({
      threads: 8,
      device: '0',
      model: '7',
      temp: 0.5,
    });
  });

  it('accepts a single string for a list and a two-element list for a pair', () => {
    expect(
      normalizeBackendOptions('llama_cpp', { lora: 'a.gguf', control_vector_layer_range: [1, 5] }),
    ).toEqual({
      lora: ['a.gguf'],
      control_vector_layer_range: '1 5',
    });
    expect(normalizeBackendOptions('vllm', { lora_modules: 'a=/x b=/y' })).toEqual({
      lora_modules: ['a=/x', 'b=/y'],
    });
  });

  it('drops null values, empty strings and empty lists', () => {
    expect(normalizeBackendOptions('llama_cpp', { model: '', lora: [], alias: null })).toEqual({});
  });

  it('returns canonical keys in table order with extra_args last', () => {
    const out = normalizeBackendOptions('llama_cpp', {
      zz: '1',
      port: 8000,
      model: 'm',
      threads: 2,
    });
    expect(Object.keys(out)).toEqual(['threads', 'model', 'port', 'extra_args']);
  });
});
