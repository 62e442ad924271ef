import { formatNumber, renderBackendFlags, renderExtraArgs, renderTypedFlags } from './render';

describe('renderTypedFlags', () => {
  it.each([
    ['bool true is a bare flag', 'llama_cpp', { mlock: true }, ['--mlock']],
    ['bool false renders nothing', 'llama_cpp', { mlock: false }, []],
    ['int renders its decimal value', 'llama_cpp', { ctx_size: 4096 }, ['--ctx-size', '4096']],
    ['int 0 is kept', 'llama_cpp', { gpu_layers: 0 }, ['--gpu-layers', '0']],
    ['negative int', 'llama_cpp', { seed: -1 }, ['--seed', '-1']],
    ['num renders the shortest decimal', 'llama_cpp', { temp: 0.7 }, ['--temp', '0.7']],
    ['num 0 is kept', 'llama_cpp', { temp: 0 }, ['--temp', '0']],
    ['num never uses exponent form', 'llama_cpp', { min_p: 1e-5 }, ['--min-p', '0.00001']],
    [
      'str is one argv element even with spaces',
      'llama_cpp',
      { alias: 'my model' },
      ['--alias', 'my model'],
    ],
    [
      'str[] repeat repeats the flag',
      'llama_cpp',
      { lora: ['a.gguf', 'b.gguf'] },
      ['--lora', 'a.gguf', '--lora', 'b.gguf'],
    ],
    [
      'str[] multi puts all values after one flag',
      'vllm',
      { lora_modules: ['a=/x', 'b=/y'] },
      ['--lora-modules', 'a=/x', 'b=/y'],
    ],
    [
      'vllm repeat list',
      'vllm',
      { allowed_origins: ['a', 'b'] },
      ['--allowed-origins', 'a', '--allowed-origins', 'b'],
    ],
    ['empty list renders nothing', 'llama_cpp', { lora: [] }, []],
    [
      'control_vector_layer_range is two argv elements',
      'llama_cpp',
      { control_vector_layer_range: '2 10' },
      ['--control-vector-layer-range', '2', '10'],
    ],
    [
      'spec_replace is two argv elements',
      'llama_cpp',
      { spec_replace: '<a> <b>' },
      ['--spec-replace', '<a>', '<b>'],
    ],
    [
      'fim_qwen_1_5b_default uses the real flag spelling',
      'llama_cpp',
      { fim_qwen_1_5b_default: true },
      ['--fim-qwen-1.5b-default'],
    ],
    [
      'fim_qwen_1b maps to the real 1.5B flag',
      'llama_cpp',
      { fim_qwen_1b: true },
      ['--fim-qwen-1.5b-default'],
    ],
    [
      'two keys sharing a flag render it once',
      'llama_cpp',
      { fim_qwen_1b: true, fim_qwen_1_5b_default: true },
      ['--fim-qwen-1.5b-default'],
    ],
    [
      'mlx flags use dashes',
      'mlx_lm',
      { adapter_path: '/a', max_tokens: 10 },
      ['--adapter-path', '/a', '--max-tokens', '10'],
    ],
  ] as const)('%s', (_name, type, options, expected) => {
    expect(renderTypedFlags(type, options as Record<string, unknown>)).toEqual(expected);
  });

  it('renders fields in table order, not in the order they were given', () => {
    expect(renderTypedFlags('llama_cpp', { port: 8001, model: '/m.gguf', threads: 4 })).toEqual([
      '--threads',
      '4',
      '--model',
      '/m.gguf',
      '--port',
      '8001',
    ]);
  });

  it('leaves model out when asked (vLLM native mode)', () => {
    expect(renderTypedFlags('vllm', { model: 'org/m', port: 1 }, { omitModel: true })).toEqual([
      '--port',
      '1',
    ]);
  });

  it('passes a value with shell metacharacters as one literal argv element', () => {
    expect(renderTypedFlags('llama_cpp', { alias: 'x; touch pwned' })).toEqual([
      '--alias',
      'x; touch pwned',
    ]);
  });
});

describe('renderExtraArgs', () => {
  it('renders keys in the order given, bare flags for empty values, short flags as written', () => {
    expect(renderExtraArgs({ 'log-file': '/x', verbose: '', '-x': '3', n: 2 })).toEqual([
      '--log-file',
      '/x',
      '--verbose',
      '-x',
      '3',
      '--n',
      '2',
    ]);
  });

  it('comes after the typed flags', () => {
    expect(renderBackendFlags('llama_cpp', { extra_args: { foo: 'bar' }, mlock: true })).toEqual([
      '--mlock',
      '--foo',
      'bar',
    ]);
  });
});

describe('formatNumber', () => {
  it.each([
    [0, '0'],
    [0.5, '0.5'],
    [1e-5, '0.00001'],
    [-2.5e-7, '-0.00000025'],
    [1e21, '1000000000000000000000'],
    [1.5e22, '15000000000000000000000'],
    [1000000, '1000000'],
  ])('%d -> %s', (n, s) => {
    expect(formatNumber(n)).toBe(s);
  });
});
