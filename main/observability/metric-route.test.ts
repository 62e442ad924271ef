import { metricRoute } from './metrics';

describe('the route label of a request', () => {
  it('keeps the OpenAI and Anthropic endpoints and folds per-instance and made-up paths', () => {
    expect(metricRoute('/v1/chat/completions')).toBe('/v1/chat/completions');
    expect(metricRoute('/v1/messages/count_tokens')).toBe('/v1/messages/count_tokens');
    expect(metricRoute('/v1/embeddings')).toBe('/v1/embeddings');
    expect(metricRoute('/v1/a/b/c/d')).toBe('/v1/*');
    expect(metricRoute('/v1/x%20y')).toBe('/v1/*');
    expect(metricRoute('/llama-cpp/alpha/v1/chat/completions')).toBe('/llama-cpp/{name}/*');
    expect(metricRoute('/api/v1/instances/alpha/proxy/slots')).toBe(
      '/api/v1/instances/{name}/proxy/*',
    );
  });
});
