import { dirname, isAbsolute, join, relative } from 'node:path';

/** Where the app installs llama.cpp builds. */
export function runtimesRoot(dataDir: string): string {
  return join(dataDir, 'runtimes');
}

/**
 * Environment additions for running an executable the app installed: its folder first on the
 * shared-library path. The official builds find their libraries (libllama, libggml*, libmtmd)
 * through their own run path already; this is the safety net for a build without one. Other
 * executables get nothing.
 */
export function runtimeLibraryEnv(
  command: string,
  dataDir: string,
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform = process.platform,
): Record<string, string> {
  if (!isAbsolute(command)) return {};
  const rel = relative(runtimesRoot(dataDir), command);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return {};
  const variable =
    platform === 'darwin' ? 'DYLD_LIBRARY_PATH' : platform === 'win32' ? 'PATH' : 'LD_LIBRARY_PATH';
  const dir = dirname(command);
  const prev = env[variable];
  const delimiter = platform === 'win32' ? ';' : ':';
  return { [variable]: prev ? `${dir}${delimiter}${prev}` : dir };
}
