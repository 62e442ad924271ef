import type { BackendType, InstanceOptions } from '../../shared/api/instances';
import { backendOf } from '../../shared/backends';
import {
  buildArgv,
  defaultBackendConfig,
  presetPath as sharedPresetPath,
  usesDocker as sharedUsesDocker,
  type BuiltArgv,
  type Platform,
} from '../../shared/backends/argv';
import type { AppConfig, BackendConfig } from '../config/schema';
import { runtimeLibraryEnv } from './runtime-env';

export { dockerContainerName, splitCommandOverride } from '../../shared/backends/argv';

export type BuiltCommand = BuiltArgv;

/** The config section of a backend type (`llama_cpp` -> `backends.llama-cpp`). */
export function backendConfig(type: BackendType, config: AppConfig): BackendConfig {
  const d = backendOf(type);
  const section = (config.backends as Record<string, BackendConfig | undefined>)[d.configKey];
  return section ?? { command: defaultBackendConfig(d).command, args: [...d.subcommand] };
}

/** This server's platform, as the shared argv builder needs it. */
export function serverPlatform(config: AppConfig): Platform {
  return {
    os: process.platform === 'win32' ? 'win32' : 'posix',
    instancesDir: config.instances.instances_dir,
  };
}

/** Where an instance's `preset_ini` is written; `--models-preset` points here. */
export function presetPath(name: string, config: AppConfig): string {
  return sharedPresetPath(name, serverPlatform(config));
}

/** Docker mode: never for backends without docker; the instance's `docker_enabled` overrides the config. */
export function usesDocker(
  type: BackendType,
  options: Pick<InstanceOptions, 'docker_enabled'>,
  config: AppConfig,
): boolean {
  return sharedUsesDocker(backendOf(type), options, backendConfig(type, config));
}

type Env = Record<string, string | undefined>;

function definedEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * The full argv and environment of an instance's process: the shared builder's result (the
 * dashboard's preview shows the same), with this process's environment under the instance's.
 */
export function buildCommand(
  input: { name: string; options: InstanceOptions },
  config: AppConfig,
  baseEnv: Env = process.env,
): BuiltCommand {
  const built = buildArgv(
    input,
    backendConfig(input.options.backend_type, config),
    serverPlatform(config),
  );
  const env = { ...definedEnv(baseEnv), ...built.env };
  // An app-installed llama.cpp build gets its folder on the library path (docker runs none).
  if (!built.docker) Object.assign(env, runtimeLibraryEnv(built.command, config.data_dir, env));
  return { ...built, env };
}

export type LlamaHelper = 'help' | 'version' | 'devices';
const HELPER_FLAG: Record<LlamaHelper, string> = {
  help: '--help',
  version: '--version',
  devices: '--list-devices',
};

/**
 * argv for `llama-server --help|--version|--list-devices` with the configured command and args,
 * or through docker when docker mode is on in the config (llamactl always ran `llama-server`).
 */
export function llamaHelperCommand(
  which: LlamaHelper,
  config: AppConfig,
  baseEnv: Env = process.env,
): BuiltCommand {
  const bc = backendConfig('llama_cpp', config);
  const docker = bc.docker?.enabled === true;
  const passed = { ...(bc.environment ?? {}), ...(docker ? (bc.docker?.environment ?? {}) : {}) };
  const env = { ...definedEnv(baseEnv), ...passed };
  if (docker && bc.docker) {
    const args = [...bc.docker.args];
    for (const k of Object.keys(passed)) args.push('-e', k);
    args.push(bc.docker.image, HELPER_FLAG[which]);
    return { command: 'docker', args, env, docker: true };
  }
  Object.assign(env, runtimeLibraryEnv(bc.command, config.data_dir, env));
  return { command: bc.command, args: [...bc.args, HELPER_FLAG[which]], env, docker: false };
}
