import { parseListDevices, parseNvidiaGpus } from './gpu';

describe('GPU facts', () => {
  it('reads llama-server --list-devices, and nothing from a machine without a GPU', () => {
    const text = [
      'ggml_vulkan: Found 1 Vulkan devices:',
      'Available devices:',
      '  Vulkan0: NVIDIA GeForce RTX 3090 (24576 MiB, 23800 MiB free)',
      '  Metal: Apple M2 Max (49152 MiB, 49151 MiB free)',
    ].join('\n');
    expect(parseListDevices(text)).toEqual([
      {
        source: 'llama-server',
        name: 'NVIDIA GeForce RTX 3090 (Vulkan0)',
        total_bytes: 24576 * 2 ** 20,
        free_bytes: 23800 * 2 ** 20,
      },
      {
        source: 'llama-server',
        name: 'Apple M2 Max (Metal)',
        total_bytes: 49152 * 2 ** 20,
        free_bytes: 49151 * 2 ** 20,
      },
    ]);
    expect(parseListDevices('Available devices:\n  (none)\n')).toEqual([]);
  });

  it('reads nvidia-smi CSV', () => {
    expect(parseNvidiaGpus('NVIDIA A100-SXM4-40GB, 40960, 40000\n')).toEqual([
      {
        source: 'nvidia-smi',
        name: 'NVIDIA A100-SXM4-40GB',
        total_bytes: 40960 * 2 ** 20,
        free_bytes: 40000 * 2 ** 20,
      },
    ]);
  });
});
