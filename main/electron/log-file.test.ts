import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DESKTOP_LOG_FILE, openDesktopLog } from './log-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llamactl-desktop-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('openDesktopLog', () => {
  it('writes every line to the log file and echoes it', async () => {
    const echoed: string[] = [];
    const log = openDesktopLog(join(dir, 'logs'), { echo: (l) => echoed.push(l) });
    log.logger.child('desktop').info('server listening on http://127.0.0.1:8080');
    log.logger.error('quit: closing services failed', { error: 'boom' });
    await log.close();
    const text = readFileSync(join(dir, 'logs', DESKTOP_LOG_FILE), 'utf8');
    expect(text).toMatch(
      /INFO {2}\[llamactl:desktop\] server listening on http:\/\/127\.0\.0\.1:8080\n/,
    );
    expect(text).toContain('ERROR [llamactl] quit: closing services failed {"error":"boom"}');
    expect(echoed).toHaveLength(2);
    expect(log.file).toBe(join(dir, 'logs', DESKTOP_LOG_FILE));
  });

  it('rotates the file at its size limit and keeps the older part', async () => {
    const log = openDesktopLog(dir, { size: '1K', keep: 2, echo: () => {} });
    const line = 'x'.repeat(200);
    for (let i = 0; i < 8; i++) log.logger.info(`${i} ${line}`);
    await vi.waitFor(() => expect(existsSync(join(dir, `${DESKTOP_LOG_FILE}.1`))).toBe(true));
    log.logger.info('after the rotation');
    await log.close();
    expect(readFileSync(join(dir, `${DESKTOP_LOG_FILE}.1`), 'utf8')).toContain(`0 ${line}`);
    expect(readFileSync(join(dir, DESKTOP_LOG_FILE), 'utf8')).toContain('after the rotation');
  });
});
