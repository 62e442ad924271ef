import type { AppConfig } from './config/schema';
import { DataDirLockedError } from './store/data-dir-lock';

/** The stage of the start-up that failed, for the message. */
export type StartupStage = 'data_dir' | 'listen' | 'database' | 'services';

/**
 * One line for a start-up failure a user can fix (port taken, folder not writable, database
 * unreadable, another server on the data folder), naming the thing and the setting that
 * changes it; null for anything else (a bug: the caller prints it with its stack in the log).
 */
export function startupErrorMessage(
  err: unknown,
  stage: StartupStage,
  config: Pick<AppConfig, 'data_dir' | 'server' | 'database'>,
): string | null {
  if (err instanceof DataDirLockedError) return err.message;
  const e = err as NodeJS.ErrnoException & { code?: string };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const { host, port } = config.server;
  if (stage === 'listen') {
    if (code === 'EADDRINUSE')
      return `port ${port} on ${host} is already in use; set server.port in the configuration file or LLAMACTL_PORT to use another port`;
    if (code === 'EACCES')
      return `no permission to listen on port ${port} on ${host} (ports below 1024 need privileges); set server.port or LLAMACTL_PORT to a higher port`;
    if (code === 'EADDRNOTAVAIL')
      return `cannot listen on ${host}: no such address on this machine; set server.host or LLAMACTL_HOST`;
    return null;
  }
  const db = config.database.path;
  if (code === 'SQLITE_NOTADB')
    return `the database file ${db} is not a SQLite database (or is damaged); move it away to start with an empty one, or set database.path`;
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM')
    return `the database file ${db} cannot be opened for writing (${code}); check its permissions and those of its folder, or set database.path`;
  if (code === 'SQLITE_CORRUPT')
    return `the database file ${db} is damaged (${code}); restore a backup or move it away to start with an empty one`;
  const fsCodes = ['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOSPC', 'EEXIST', 'ENOENT'];
  if (code && fsCodes.includes(code) && (stage === 'data_dir' || stage === 'database')) {
    const where = e.path ?? config.data_dir;
    return `the data folder ${config.data_dir} is not usable: ${reason(code)} (${where}); set data_dir or LLAMACTL_DATA_DIRECTORY to a folder you can write`;
  }
  return null;
}

function reason(code: string): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'no permission to write there';
    case 'EROFS':
      return 'it is on a read-only file system';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return code;
  }
}
