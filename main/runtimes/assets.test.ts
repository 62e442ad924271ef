import {
  assetsFor,
  parseAssetName,
  pickAsset,
  recommendedVariant,
  sha256FromDigest,
} from './assets';
import type { GithubRelease } from './assets';

describe('release asset names', () => {
  it.each([
    [
      'llama-b6123-bin-macos-arm64.tar.gz',
      { os: 'macos', arch: 'arm64', variant: 'metal', format: 'tar.gz' },
    ],
    ['llama-b6123-bin-macos-x64.zip', { os: 'macos', arch: 'x64', variant: 'cpu', format: 'zip' }],
    ['llama-b6123-bin-ubuntu-x64.tar.gz', { os: 'linux', arch: 'x64', variant: 'cpu' }],
    ['llama-b6123-bin-ubuntu-vulkan-x64.tar.gz', { os: 'linux', arch: 'x64', variant: 'vulkan' }],
    ['llama-b6123-bin-ubuntu-arm64.tar.gz', { os: 'linux', arch: 'arm64', variant: 'cpu' }],
    [
      'llama-b6123-bin-ubuntu-vulkan-arm64.tar.gz',
      { os: 'linux', arch: 'arm64', variant: 'vulkan' },
    ],
    ['llama-b6123-bin-win-cuda-12.4-x64.zip', { os: 'windows', arch: 'x64', variant: 'cuda' }],
    ['llama-b6123-bin-win-cpu-x64.zip', { os: 'windows', arch: 'x64', variant: 'cpu' }],
  ])('reads %s', (name, expected) => {
    expect(parseAssetName(name)).toMatchObject({ tag: 'b6123', ...expected });
  });

  it.each([
    'llama-b6123-bin-ubuntu-rocm-6.4-x64.tar.gz',
    'llama-b6123-bin-win-sycl-x64.zip',
    'llama-b6123-bin-ubuntu-s390x.tar.gz',
    'cudart-llama-bin-win-cuda-12.4-x64.zip',
    'llama-b6123-xcframework.zip',
    'llama-b6123-bin-openEuler-aarch64.tar.gz',
  ])('offers no build for %s', (name) => {
    expect(parseAssetName(name)).toBeNull();
  });
});

const release = (names: string[]): GithubRelease => ({
  tag_name: 'b1',
  assets: names.map((name) => ({ name, size: 1, browser_download_url: `http://x/${name}` })),
});

describe('choosing the build for a machine', () => {
  it('keeps this OS and architecture only, one per variant, tar.gz before zip', () => {
    const r = release([
      'llama-b1-bin-ubuntu-x64.zip',
      'llama-b1-bin-ubuntu-x64.tar.gz',
      'llama-b1-bin-ubuntu-vulkan-x64.tar.gz',
      'llama-b1-bin-ubuntu-arm64.tar.gz',
      'llama-b1-bin-macos-arm64.tar.gz',
    ]);
    expect(assetsFor(r, { os: 'linux', arch: 'x64' }).map((a) => a.name)).toEqual([
      'llama-b1-bin-ubuntu-vulkan-x64.tar.gz',
      'llama-b1-bin-ubuntu-x64.tar.gz',
    ]);
  });

  it('falls back from CUDA to Vulkan to CPU, but not for a variant the user asked for', () => {
    const assets = assetsFor(
      release(['llama-b1-bin-ubuntu-x64.tar.gz', 'llama-b1-bin-ubuntu-vulkan-x64.tar.gz']),
      { os: 'linux', arch: 'x64' },
    );
    expect(pickAsset(assets, 'cuda')?.variant).toBe('vulkan');
    expect(pickAsset(assets, 'metal')?.variant).toBe('cpu');
    expect(pickAsset(assets, 'cpu', 'cuda')).toBeNull();
    expect(pickAsset([], 'cpu')).toBeNull();
  });

  it('recommends Metal on Apple Silicon and a GPU API where a GPU was seen', () => {
    expect(recommendedVariant({ os: 'macos', arch: 'arm64', gpus: [] })).toBe('metal');
    expect(recommendedVariant({ os: 'macos', arch: 'x64', gpus: [] })).toBe('cpu');
    expect(recommendedVariant({ os: 'linux', arch: 'x64', gpus: [{ vendor: 'nvidia' }] })).toBe(
      'cuda',
    );
    expect(recommendedVariant({ os: 'linux', arch: 'x64', gpus: [{ vendor: 'amd' }] })).toBe(
      'vulkan',
    );
    expect(recommendedVariant({ os: 'linux', arch: 'arm64', gpus: [] })).toBe('cpu');
  });

  it('accepts only sha256 digests of the right length', () => {
    expect(sha256FromDigest(`sha256:${'A'.repeat(64)}`)).toBe('a'.repeat(64));
    expect(sha256FromDigest(`sha512:${'a'.repeat(64)}`)).toBeNull();
    expect(sha256FromDigest('sha256:abc')).toBeNull();
    expect(sha256FromDigest(null)).toBeNull();
  });
});
