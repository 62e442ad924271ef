import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config';
import {
  hubUrl,
  parseRepoSpec,
  repoFolderName,
  repoFromFolderName,
  resolveHubRoot,
  unsafeHubPathReason,
} from './hub-paths';

const linux = (env: NodeJS.ProcessEnv) => ({ platform: 'linux' as const, home: '/home/u', env });
const config = (over: Record<string, unknown> = {}) =>
  loadConfig({ platform: linux({}), overrides: { data_dir: '/tmp/x', ...over } });

describe('repo specs', () => {
  it('splits at the last colon and keeps the tag', () => {
    expect(parseRepoSpec('bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M')).toEqual({
      repo: 'bartowski/Llama-3.2-3B-Instruct-GGUF',
      tag: 'Q4_K_M',
    });
    expect(parseRepoSpec('org/name')).toEqual({ repo: 'org/name', tag: '' });
  });

  it.each([
    '',
    'name',
    'a/b/c',
    '../x/y',
    'org/..',
    'org/a--b',
    '/org/name',
    'org/name:',
    'org/name:a/b',
    'org/name:..',
    'org/na me',
  ])('refuses %j', (spec) => {
    expect(() => parseRepoSpec(spec)).toThrow(/repo/);
  });

  it('names folders like huggingface_hub and parses them back', () => {
    expect(repoFolderName('org/name')).toBe('models--org--name');
    expect(repoFromFolderName('models--org--name')).toBe('org/name');
    expect(repoFromFolderName('datasets--org--name')).toBeNull();
  });
});

describe('hub file paths', () => {
  it.each([
    '../x',
    'a/../../x',
    '/etc/passwd',
    'C:/x',
    'a\\..\\x',
    'a//b',
    './a',
    'a/.',
    'a\u0000b',
    '',
  ])('refuses %j', (p) => {
    expect(unsafeHubPathReason(p)).not.toBeNull();
  });
  it.each([
    'model.gguf',
    'Q4_K_M/model-00001-of-00002.gguf',
    'original/params.json',
    '.hidden.json',
  ])('accepts %j', (p) => {
    expect(unsafeHubPathReason(p)).toBeNull();
  });
});

describe('hub root', () => {
  it('uses LLAMA_CACHE as the hub root itself', () => {
    expect(
      resolveHubRoot(
        config(),
        { LLAMA_CACHE: '/c', HF_HUB_CACHE: '/h', HOME: '/home/u' },
        linux({}),
      ),
    ).toBe('/c');
  });
  it('lets an explicit llama.cpp cache dir beat the generic HF defaults', () => {
    const c = config({ backends: { 'llama-cpp': { cache_dir: '/srv/llama' } } });
    expect(resolveHubRoot(c, { HOME: '/home/u' }, linux({}))).toBe('/srv/llama/huggingface/hub');
    expect(
      resolveHubRoot(
        config(),
        { LLAMACTL_LLAMACPP_CACHE_DIR: '/env/llama', HOME: '/home/u' },
        linux({}),
      ),
    ).toBe('/env/llama/huggingface/hub');
  });
  it('follows the HF variables, then XDG, then HOME', () => {
    expect(resolveHubRoot(config(), { HF_HUB_CACHE: '/h', HOME: '/home/u' }, linux({}))).toBe('/h');
    expect(
      resolveHubRoot(config(), { HUGGINGFACE_HUB_CACHE: '/hh', HOME: '/home/u' }, linux({})),
    ).toBe('/hh');
    expect(resolveHubRoot(config(), { HF_HOME: '/hf', HOME: '/home/u' }, linux({}))).toBe(
      '/hf/hub',
    );
    expect(resolveHubRoot(config(), { XDG_CACHE_HOME: '/xdg', HOME: '/home/u' }, linux({}))).toBe(
      '/xdg/huggingface/hub',
    );
    expect(resolveHubRoot(config(), { HOME: '/home/u' }, linux({}))).toBe(
      '/home/u/.cache/huggingface/hub',
    );
  });
  it('reads HF_ENDPOINT without a trailing slash, defaulting to the public hub', () => {
    expect(hubUrl({})).toBe('https://huggingface.co');
    expect(hubUrl({ HF_ENDPOINT: 'http://127.0.0.1:9/' })).toBe('http://127.0.0.1:9');
  });
});
