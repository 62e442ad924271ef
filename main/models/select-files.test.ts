import { describe, expect, it } from 'vitest';
import {
  chooseMmproj,
  ggufVariants,
  planGguf,
  planSafetensors,
  type HubFile,
} from './select-files';

const f = (path: string, size = 10): HubFile => ({ path, size });
const paths = (files: { path: string }[]) => files.map((x) => x.path);

describe('GGUF selection', () => {
  const repo = [
    f('Model-Q4_K_M.gguf'),
    f('Model-Q4_K_S.gguf'),
    f('Model-Q8_0.gguf'),
    f('Model-UD-Q4_K_XL.gguf'),
    f('mmproj-F32.gguf'),
    f('mmproj-F16.gguf'),
    f('preset.ini'),
    f('chat_template.jinja'),
    f('README.md'),
  ];

  it('picks the file whose quant label equals the tag, plus mmproj, preset.ini and templates', () => {
    const plan = planGguf(repo, 'Q8_0');
    expect(plan.main).toBe('Model-Q8_0.gguf');
    expect(paths(plan.files)).toEqual([
      'Model-Q8_0.gguf',
      'mmproj-F16.gguf',
      'preset.ini',
      'chat_template.jinja',
    ]);
    expect(plan.files.map((x) => x.type)).toEqual(['gguf', 'mmproj', 'preset', 'other']);
  });

  it('matches tags case-insensitively and never lets Q4_K pick Q4_K_M and Q4_K_S both', () => {
    expect(planGguf(repo, 'q4_k_s').main).toBe('Model-Q4_K_S.gguf');
    expect(planGguf(repo, 'UD-Q4_K_XL').main).toBe('Model-UD-Q4_K_XL.gguf');
    expect(() => planGguf(repo, 'Q4_K')).toThrow(
      /no GGUF file matches tag 'Q4_K'; this repo offers: /,
    );
  });

  it('defaults to Q4_K_M, then Q4_0, then the first variant', () => {
    expect(planGguf(repo, '').main).toBe('Model-Q4_K_M.gguf');
    expect(planGguf(repo, 'main').main).toBe('Model-Q4_K_M.gguf');
    expect(planGguf([f('a-Q8_0.gguf'), f('a-Q4_0.gguf')], '').main).toBe('a-Q4_0.gguf');
    expect(planGguf([f('b-Q8_0.gguf'), f('a-F16.gguf')], '').main).toBe('a-F16.gguf');
  });

  it('takes every shard of a split model, also in a sub-folder and by default', () => {
    const split = [
      f('Q4_K_M/M-Q4_K_M-00002-of-00003.gguf'),
      f('Q4_K_M/M-Q4_K_M-00001-of-00003.gguf'),
      f('Q4_K_M/M-Q4_K_M-00003-of-00003.gguf'),
      f('M-Q8_0.gguf'),
    ];
    for (const tag of ['', 'Q4_K_M']) {
      const plan = planGguf(split, tag);
      expect(plan.main).toBe('Q4_K_M/M-Q4_K_M-00001-of-00003.gguf');
      expect(paths(plan.files)).toEqual([
        'Q4_K_M/M-Q4_K_M-00001-of-00003.gguf',
        'Q4_K_M/M-Q4_K_M-00002-of-00003.gguf',
        'Q4_K_M/M-Q4_K_M-00003-of-00003.gguf',
      ]);
    }
    const variants = ggufVariants(split);
    expect(variants.map((v) => [v.tag, v.split, v.files.length])).toEqual([
      ['Q8_0', false, 1],
      ['Q4_K_M', true, 3],
    ]);
  });

  it('prefers an F16 projector over F32 regardless of listing order', () => {
    expect(chooseMmproj([f('mmproj-F32.gguf'), f('mmproj-F16.gguf')])?.path).toBe(
      'mmproj-F16.gguf',
    );
    expect(chooseMmproj([f('mmproj-model-q8_0.gguf')])?.path).toBe('mmproj-model-q8_0.gguf');
  });

  it('fails clearly when the repo has no GGUF at all', () => {
    expect(() => planGguf([f('model.safetensors')], '')).toThrow(/no GGUF file found in repo/);
  });
});

describe('safetensors selection', () => {
  it('takes all safetensors and the tokenizer/config files, skipping .bin, README and git files', () => {
    const plan = planSafetensors([
      f('model-00001-of-00002.safetensors'),
      f('model-00002-of-00002.safetensors'),
      f('config.json'),
      f('tokenizer.json'),
      f('tokenizer.model'),
      f('pytorch_model.bin'),
      f('README.md'),
      f('.gitattributes'),
      f('.git/config.json'),
    ]);
    expect(paths(plan)).toEqual([
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
      'config.json',
      'tokenizer.json',
      'tokenizer.model',
    ]);
  });

  it('falls back to .bin weights but not to .pth', () => {
    expect(
      paths(planSafetensors([f('pytorch_model.bin'), f('model.pth'), f('config.json')])),
    ).toEqual(['pytorch_model.bin', 'config.json']);
  });

  it('fails when there are no weights', () => {
    expect(() => planSafetensors([f('config.json')])).toThrow(/no safetensors/);
  });
});
