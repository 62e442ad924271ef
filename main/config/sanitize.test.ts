import { loadConfig } from './load-config';
import { REDACTED, sanitizedConfig } from './sanitize';

describe('GET /api/v1/config body', () => {
  const config = loadConfig({
    env: {},
    files: false,
    overrides: {
      data_dir: '/data',
      auth: { management_keys: ['llamactl-mgmt-secret-one', 'second-secret'] },
      nodes: { gpu: { address: 'http://10.0.0.2:8080', api_key: 'node-secret' } },
      backends: {
        'llama-cpp': {
          environment: { HF_TOKEN: 'hf_token_secret' },
          docker: { environment: { X: 'docker-secret' } },
        },
        vllm: { environment: { VLLM_KEY: 'vllm-secret' } },
      },
    },
  });
  const body = sanitizedConfig(config);
  const text = JSON.stringify(body);

  it.each([
    'llamactl-mgmt-secret-one',
    'second-secret',
    'node-secret',
    'hf_token_secret',
    'docker-secret',
    'vllm-secret',
  ])('does not contain %s', (secret) => {
    expect(text).not.toContain(secret);
  });

  it('keeps the names of environment variables with redacted values', () => {
    expect((body.backends as any)['llama-cpp'].environment).toEqual({ HF_TOKEN: REDACTED });
    expect((body.backends as any)['llama-cpp'].docker.environment).toEqual({ X: REDACTED });
  });

  it('has llamactl quirks: nanosecond durations, LogRotation* names, management_keys []', () => {
    expect((body.backends as any)['llama-cpp'].download_timeout).toBe(3_600_000_000_000);
    expect((body.database as any).connection_max_lifetime).toBe(300_000_000_000);
    expect(body.instances).toMatchObject({
      LogRotationEnabled: true,
      LogRotationMaxSize: 100,
      LogRotationCompress: false,
      LogRotationMaxBackups: 5,
    });
    expect(body.instances).not.toHaveProperty('log_rotation_enabled');
    expect(body.auth).toEqual({
      require_inference_auth: true,
      require_management_auth: true,
      management_keys: [],
    });
    expect(body.nodes).toEqual({ main: { address: '' }, gpu: { address: 'http://10.0.0.2:8080' } });
    expect(body).toMatchObject({ data_dir: '/data', local_node: 'main' });
    expect(body).toHaveProperty('version');
    expect(body).toHaveProperty('commit_hash');
    expect(body).toHaveProperty('build_time');
  });

  it('omits empty fields as llamactl does', () => {
    expect((body.backends as any).mlx).toEqual({ command: 'mlx_lm.server', args: [] });
    expect(body.instances).not.toHaveProperty('group_limits');
  });
});
