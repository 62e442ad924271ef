import { quote } from 'shell-quote';
import type { InstanceOptions } from '../../../shared/api/instances';
import { backendOf } from '../../../shared/backends';
import {
  buildArgv,
  type BackendCommandConfig,
  type BuiltArgv,
  type Platform,
} from '../../../shared/backends/argv';

/** The parts of `GET /api/v1/config` the preview reads. */
export interface PreviewConfig {
  backends?: Record<string, BackendCommandConfig | undefined>;
  instances?: { instances_dir?: string };
}

/** A backend's config section (`backends.<configKey>`), when the config is loaded. */
export function backendConfigOf(
  config: PreviewConfig | undefined,
  type: InstanceOptions['backend_type'],
): BackendCommandConfig | undefined {
  return config?.backends?.[backendOf(type).configKey];
}

/** The server's platform, read from its instances folder (a drive letter means Windows). */
export function platformOf(config: PreviewConfig | undefined): Platform {
  const dir = config?.instances?.instances_dir ?? '';
  return { os: /^[A-Za-z]:[\\/]/.test(dir) ? 'win32' : 'posix', instancesDir: dir };
}

/**
 * What the server will spawn for these options: the shared builder the server itself runs, fed
 * with the server's config; `error` when the options cannot be run (a shell operator in the
 * command override).
 */
export function previewCommand(
  name: string,
  options: InstanceOptions,
  config: PreviewConfig | undefined,
): { argv: BuiltArgv; text: string } | { error: string } {
  try {
    const argv = buildArgv(
      { name: name || '<name>', options },
      backendConfigOf(config, options.backend_type),
      platformOf(config),
    );
    return { argv, text: quote([argv.command, ...argv.args]) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}
