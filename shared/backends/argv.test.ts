import { quote } from 'shell-quote';
import { AppError } from '../errors';
import { ARGV_CASES, ARGV_PLATFORM } from './argv-cases';
import { buildArgv, presetPath, splitCommandOverride } from './argv';

const full = (o: (typeof ARGV_CASES)[number]['options']) => ({
  backend_options: {},
  ...o,
});

describe('buildArgv', () => {
  it.each(ARGV_CASES)('$title', (c) => {
    const built = buildArgv({ name: c.name, options: full(c.options) }, c.backend, ARGV_PLATFORM);
    expect([built.command, ...built.args]).toEqual(c.argv);
    expect(built.env).toEqual(c.env ?? {});
    expect(quote([built.command, ...built.args])).toBe(c.shell);
  });

  it('joins the preset path with the server platform’s separator', () => {
    expect(presetPath('r', { os: 'posix', instancesDir: '/data/instances/' })).toBe(
      '/data/instances/r/preset.ini',
    );
    expect(presetPath('r', { os: 'win32', instancesDir: 'C:\\llamactl\\instances\\' })).toBe(
      'C:\\llamactl\\instances\\r\\preset.ini',
    );
  });

  it('refuses shell operators in command_override', () => {
    expect(() => splitCommandOverride('llama-server; rm -rf /')).toThrow(AppError);
    expect(() => splitCommandOverride('llama-server && x')).toThrow(/shell operator '&&'/);
  });
});
