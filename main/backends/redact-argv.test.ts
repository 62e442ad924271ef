import { redactArgv } from './redact-argv';

describe('redactArgv', () => {
  it.each([
    [
      ['llama-server', '--api-key', 's3cret', '--port', '8001'],
      ['llama-server', '--api-key', '[redacted]', '--port', '8001'],
    ],
    [
      ['llama-server', '--api-key=s3cret'],
      ['llama-server', '--api-key=[redacted]'],
    ],
    [
      ['llama-server', '--hf-token', 'hf_abc'],
      ['llama-server', '--hf-token', '[redacted]'],
    ],
    [
      ['llama-server', '-hft', 'hf_abc'],
      ['llama-server', '-hft', '[redacted]'],
    ],
    [
      ['docker', 'run', '-e', 'HF_TOKEN=hf_abc', '-e', 'MODE=fast'],
      ['docker', 'run', '-e', 'HF_TOKEN=[redacted]', '-e', 'MODE=fast'],
    ],
    [
      ['docker', 'run', '-e', 'OPENAI_API_KEY=sk-1', 'img'],
      ['docker', 'run', '-e', 'OPENAI_API_KEY=[redacted]', 'img'],
    ],
    [
      ['vllm', 'serve', 'm', '--api-key', 'k'],
      ['vllm', 'serve', 'm', '--api-key', '[redacted]'],
    ],
  ])('hides the credential in %j', (input, expected) => {
    expect(redactArgv(input)).toEqual(expected);
  });

  it('keeps words that only look alike', () => {
    const argv = ['llama-server', '--api-key-file', '/etc/keys', '--model', 'tokenizer.gguf'];
    expect(redactArgv(argv)).toEqual(argv);
  });
});
