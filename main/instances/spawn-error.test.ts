import { describeSpawnError } from './managed-process';

const enoent = (): NodeJS.ErrnoException =>
  Object.assign(new Error('spawn x ENOENT'), { code: 'ENOENT' });

describe('describeSpawnError', () => {
  it('explains that an app started from the Dock or a launcher does not see the shell PATH', () => {
    const text = describeSpawnError('llama-server', enoent());
    expect(text).toMatch(/^executable not found: llama-server/);
    expect(text).toContain('does not see the PATH of your shell');
    expect(text).toContain('backends.llama-cpp.command: /opt/homebrew/bin/llama-server');
  });

  it('leaves PATH out when the command was a path already', () => {
    expect(describeSpawnError('/opt/llama/llama-server', enoent())).not.toContain('PATH');
  });
});
