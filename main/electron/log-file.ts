import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createStream } from 'rotating-file-stream';
import { createLogger, type Logger, type LogLevel } from '../logger';

export const DESKTOP_LOG_FILE = 'llamactl-desktop.log';

export interface DesktopLog {
  logger: Logger;
  /** the current log file */
  file: string;
  dir: string;
  close(): Promise<void>;
}

export interface DesktopLogOptions {
  level?: LogLevel;
  /** rotate when the file reaches this size, e.g. '5M' */
  size?: `${number}${'B' | 'K' | 'M'}`;
  /** rotated files kept: llamactl-desktop.log.1 (newest) .. .N */
  keep?: number;
  /** a copy of every line (stderr, so `npm start` in a terminal shows the log as before) */
  echo?: (line: string) => void;
}

/**
 * The desktop app's log: the same one-line-per-event logger as the headless server, written to
 * a size-rotated file in the OS's log folder (rotating-file-stream, logrotate-style names) and
 * echoed to stderr. A failing log file (disk full, folder removed) never stops the app: the
 * lines still reach stderr.
 */
export function openDesktopLog(dir: string, o: DesktopLogOptions = {}): DesktopLog {
  const echo = o.echo ?? ((line: string) => process.stderr.write(line + '\n'));
  let writable = true;
  mkdirSync(dir, { recursive: true });
  const stream = createStream(DESKTOP_LOG_FILE, {
    path: dir,
    size: o.size ?? '5M',
    rotate: o.keep ?? 5,
  });
  stream.on('error', (err) => {
    writable = false;
    echo(`llamactl desktop: the log file in ${dir} cannot be written (${err.message})`);
  });
  const logger = createLogger(
    o.level ?? ((process.env.LLAMACTL_LOG_LEVEL as LogLevel | undefined) || 'info'),
    'llamactl',
    (line) => {
      echo(line);
      if (writable) stream.write(line + '\n');
    },
  );
  return {
    logger,
    dir,
    file: join(dir, DESKTOP_LOG_FILE),
    close: () =>
      new Promise<void>((resolve) => {
        writable = false;
        stream.end(() => resolve());
      }),
  };
}
