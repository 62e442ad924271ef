import { dirname, join } from 'node:path';
import type { PlatformInfo } from './defaults';

/** The per-OS folders llamactl looks in for `config.yaml` and `.env` (reference §8.2). */
export function platformConfigDirs(p: PlatformInfo): string[] {
  if (p.platform === 'darwin') {
    return [
      join(p.home, 'Library', 'Application Support', 'llamactl'),
      '/Library/Application Support/llamactl',
    ];
  }
  if (p.platform === 'win32') {
    const user = p.env.APPDATA
      ? join(p.env.APPDATA, 'llamactl')
      : join(p.env.USERPROFILE ?? p.home, 'llamactl');
    const dirs = [user];
    if (p.env.PROGRAMDATA) dirs.push(join(p.env.PROGRAMDATA, 'llamactl'));
    return dirs;
  }
  return [join(p.home, '.config', 'llamactl'), '/etc/llamactl'];
}

/**
 * Config file candidates, first readable wins. With LLAMACTL_CONFIG_PATH set only that file
 * is tried: an explicit path must never silently fall back to some other file.
 */
export function configFileCandidates(
  p: PlatformInfo,
  cwd: string | null,
  explicit: string | undefined,
): string[] {
  if (explicit) return [explicit];
  return [
    ...(cwd === null ? [] : [join(cwd, 'llamactl.yaml'), join(cwd, 'config.yaml')]),
    ...platformConfigDirs(p).map((d) => join(d, 'config.yaml')),
  ];
}

/** `.env` candidates, first readable wins. */
export function dotenvCandidates(
  p: PlatformInfo,
  cwd: string | null,
  explicit: string | undefined,
): string[] {
  const list = explicit ? [join(dirname(explicit), '.env')] : [];
  if (cwd !== null) list.push(join(cwd, '.env'));
  list.push(...platformConfigDirs(p).map((d) => join(d, '.env')));
  return [...new Set(list)];
}
