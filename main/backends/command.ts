import { join } from 'node:path';
import { shellWords } from './shell-words';
import type { BackendType, InstanceOptions } from '../../shared/api/instances';
import { AppError } from '../../shared/errors';
import type { AppConfig, BackendConfig, BackendConfigKey } from '../config/schema';
import { renderBackendFlags } from './render';

export interface BuiltCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
  docker: boolean;
  /** docker mode: the container's name, so a stop or a later start can remove a leftover */
  container?: string;
}

/**
 * Docker mode names the container after the instance: `docker run` without a name leaves an
 * anonymous container running when the docker CLI is SIGKILLed (the supervisor's last resort),
 * and nothing could find it again.
 */
export function dockerContainerName(instanceName: string): string {
  return `llamactl-${instanceName}`;
}

/** The config section of a backend type (`llama_cpp` -> `backends.llama-cpp`). */
export const BACKEND_CONFIG_KEY: Readonly<Record<BackendType, BackendConfigKey>> = {
  llama_cpp: 'llama-cpp',
  vllm: 'vllm',
  mlx_lm: 'mlx',
};

export function backendConfig(type: BackendType, config: AppConfig): BackendConfig {
  return config.backends[BACKEND_CONFIG_KEY[type]];
}

/** Where an instance's `preset_ini` is written; `--models-preset` points here. */
export function presetPath(name: string, config: AppConfig): string {
  return join(config.instances.instances_dir, name, 'preset.ini');
}

/** Docker mode (§4.7): never for mlx_lm; the instance's `docker_enabled` overrides the config. */
export function usesDocker(
  type: BackendType,
  options: Pick<InstanceOptions, 'docker_enabled'>,
  config: AppConfig,
): boolean {
  if (type === 'mlx_lm') return false;
  const docker = backendConfig(type, config).docker;
  if (!docker) return false;
  return options.docker_enabled ?? docker.enabled;
}

/**
 * `command_override` as argv: one executable path, or (when it holds whitespace or quotes) a
 * small command line such as `node /path/fake-backend.mjs`, split like a shell would but never
 * run through one. Shell operators are refused.
 */
export function splitCommandOverride(override: string): string[] {
  const text = override.trim();
  if (!/[\s'"]/.test(text)) return [text];
  const out = shellWords(text, (op) => {
    throw new AppError(
      'validation_error',
      `command_override: shell operator '${op}' is not allowed (no shell is used)`,
    );
  });
  if (out.length === 0) throw new AppError('validation_error', 'command_override: cannot be empty');
  return out;
}

type Env = Record<string, string | undefined>;

function definedEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * The full argv and environment of an instance's process (§4.7–§4.8, with fixes):
 * - native: `command` (or `command_override`) + config `args` + flags (+ vLLM's positional model)
 * - docker: `docker` + docker `args` + `-e NAME` for every backend/docker/instance variable (the
 *   value travels in the docker CLI's environment, not in argv, so `ps` does not show secrets)
 *   + the preset mount + image + flags
 * - env: process env < backend env < docker env (docker mode) < instance env
 */
export function buildCommand(
  input: { name: string; options: InstanceOptions },
  config: AppConfig,
  baseEnv: Env = process.env,
): BuiltCommand {
  const { name, options } = input;
  const type = options.backend_type;
  const bc = backendConfig(type, config);
  const bo = options.backend_options ?? {};
  const docker = usesDocker(type, options, config);

  const passed: Record<string, string> = {
    ...(bc.environment ?? {}),
    ...(docker ? (bc.docker?.environment ?? {}) : {}),
    ...(options.environment ?? {}),
  };
  const env = { ...definedEnv(baseEnv), ...passed };

  const preset =
    type === 'llama_cpp' &&
    options.preset_ini &&
    !(typeof bo.models_preset === 'string' && bo.models_preset !== '')
      ? presetPath(name, config)
      : undefined;

  if (docker && bc.docker) {
    const args = [...bc.docker.args];
    // A name given in the configured docker args wins; otherwise we name the container.
    const named = args.findIndex((a) => a === '--name' || a.startsWith('--name='));
    const container =
      named === -1
        ? dockerContainerName(name)
        : args[named].startsWith('--name=')
          ? args[named].slice(7)
          : args[named + 1];
    if (named === -1 && args[0] === 'run') args.splice(1, 0, '--name', container);
    for (const k of Object.keys(passed)) args.push('-e', k);
    // the preset file lives on the host: mount it read-only at the same path
    if (preset) args.push('-v', `${preset}:${preset}:ro`);
    args.push(bc.docker.image, ...renderBackendFlags(type, bo));
    if (preset) args.push('--models-preset', preset);
    return { command: 'docker', args, env, docker: true, container };
  }

  const exe = options.command_override?.trim()
    ? splitCommandOverride(options.command_override)
    : [bc.command];
  const args = [...exe.slice(1), ...bc.args];
  if (type === 'vllm') {
    if (typeof bo.model === 'string' && bo.model !== '') args.push(bo.model);
    args.push(...renderBackendFlags(type, bo, { omitModel: true }));
  } else {
    args.push(...renderBackendFlags(type, bo));
  }
  if (preset) args.push('--models-preset', preset);
  return { command: exe[0], args, env, docker: false };
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
  const bc = config.backends['llama-cpp'];
  const docker = bc.docker?.enabled === true;
  const passed = { ...(bc.environment ?? {}), ...(docker ? (bc.docker?.environment ?? {}) : {}) };
  const env = { ...definedEnv(baseEnv), ...passed };
  if (docker && bc.docker) {
    const args = [...bc.docker.args];
    for (const k of Object.keys(passed)) args.push('-e', k);
    args.push(bc.docker.image, HELPER_FLAG[which]);
    return { command: 'docker', args, env, docker: true };
  }
  return { command: bc.command, args: [...bc.args, HELPER_FLAG[which]], env, docker: false };
}
