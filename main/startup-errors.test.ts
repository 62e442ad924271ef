import { loadConfig } from './config/load-config';
import { DataDirLockedError } from './store/data-dir-lock';
import { startupErrorMessage } from './startup-errors';

const config = loadConfig({
  env: {},
  files: false,
  overrides: { data_dir: '/srv/llamactl', server: { host: '127.0.0.1', port: 8080 } },
});
const errno = (code: string, extra: object = {}) =>
  Object.assign(new Error(code), { code, ...extra });

describe('start-up failure messages', () => {
  it.each([
    [errno('EADDRINUSE'), 'listen', 'port 8080 on 127.0.0.1 is already in use; set server.port'],
    [errno('EACCES'), 'listen', 'no permission to listen on port 8080'],
    [
      errno('SQLITE_READONLY'),
      'database',
      `database file ${config.database.path} cannot be opened for writing`,
    ],
    [
      errno('SQLITE_NOTADB'),
      'database',
      `database file ${config.database.path} is not a SQLite database`,
    ],
    [
      errno('EROFS', { path: '/srv/llamactl' }),
      'data_dir',
      'the data folder /srv/llamactl is not usable: it is on a read-only file system',
    ],
    [
      errno('EACCES', { path: '/srv/llamactl/llamactl.lock' }),
      'data_dir',
      'no permission to write there (/srv/llamactl/llamactl.lock)',
    ],
    [
      new DataDirLockedError('/srv/llamactl', {
        pid: 42,
        started: null,
        url: 'http://127.0.0.1:8080',
      }),
      'data_dir',
      'another llamactl server (pid 42, http://127.0.0.1:8080) is using the data folder /srv/llamactl',
    ],
  ] as const)('say what is wrong and what to change, in one line (%s)', (err, stage, text) => {
    const line = startupErrorMessage(err, stage, config);
    expect(line).toContain(text);
    expect(line).not.toContain('\n');
  });

  it('leave anything else to the caller (a bug, printed with its stack)', () => {
    expect(startupErrorMessage(new TypeError('x is undefined'), 'database', config)).toBeNull();
    expect(startupErrorMessage(errno('ECONNRESET'), 'listen', config)).toBeNull();
  });
});
