import type { BackendType, InstanceOptions } from '../api/instances';
import { AppError } from '../errors';
import { backendOf, type BackendDescriptor } from './descriptors';
import { renderBackendFlags } from './render';
import { shellWords } from './shell-words';

/**
 * A backend's config section (`backends.<configKey>`) as far as the command line needs it: the
 * server's typed config and the dashboard's copy from `GET /api/v1/config` both fit (there the
 * environment values are redacted, which does not matter: argv carries names only).
 */
export interface BackendCommandConfig {
  command: string;
  args: readonly string[];
  environment?: Readonly<Record<string, string>>;
  docker?: {
    enabled: boolean;
    image: string;
    args: readonly string[];
    environment?: Readonly<Record<string, string>>;
  };
}

/** Where the server runs: path rules and the folder instances' files live in. */
export interface Platform {
  os: 'posix' | 'win32';
  /** `instances.instances_dir` */
  instancesDir: string;
}

export interface ArgvInstance {
  name: string;
  options: Pick<
    InstanceOptions,
    | 'backend_type'
    | 'backend_options'
    | 'environment'
    | 'preset_ini'
    | 'docker_enabled'
    | 'command_override'
  >;
}

/** What the server spawns for an instance. */
export interface BuiltArgv {
  command: string;
  args: string[];
  /** variables set over the server's own environment (backend < docker < instance) */
  env: Record<string, string>;
  docker: boolean;
  /** docker mode: the container's name, so a stop or a later start can remove a leftover */
  container?: string;
}

/** A backend's config section when the config has none (a backend added after the config). */
export function defaultBackendConfig(d: BackendDescriptor): BackendCommandConfig {
  return { command: d.executable, args: [...d.subcommand] };
}

/**
 * Docker mode names the container after the instance: `docker run` without a name leaves an
 * anonymous container running when the docker CLI is SIGKILLed (the supervisor's last resort),
 * and nothing could find it again.
 */
export function dockerContainerName(instanceName: string): string {
  return `llamactl-${instanceName}`;
}

/** Docker mode: only for backends that support it; the instance's `docker_enabled` overrides the config. */
export function usesDocker(
  d: BackendDescriptor,
  options: Pick<InstanceOptions, 'docker_enabled'>,
  backend: BackendCommandConfig | undefined,
): boolean {
  if (!d.docker || !backend?.docker) return false;
  return options.docker_enabled ?? backend.docker.enabled;
}

/** Path joining as node's `path.join` does it for a folder and plain names (no `..`). */
function joinPath(platform: Platform, ...parts: string[]): string {
  const sep = platform.os === 'win32' ? '\\' : '/';
  const trim = platform.os === 'win32' ? /[\\/]+$/ : /\/+$/;
  const dir = platform.instancesDir === sep ? '' : platform.instancesDir.replace(trim, '');
  return [dir, ...parts].join(sep);
}

/** Where an instance's `preset_ini` is written; `--models-preset` points here. */
export function presetPath(name: string, platform: Platform): string {
  return joinPath(platform, name, 'preset.ini');
}

/** `command_override` holding this (one word, no quotes) is used as is, never split. */
const SPLIT_RE = /[\s'"]/;

/**
 * `command_override` as argv: one executable path, or (when it holds whitespace or quotes) a
 * small command line such as `node /path/fake-backend.mjs`, split like a shell would but never
 * run through one. Shell operators are refused.
 */
export function splitCommandOverride(override: string): string[] {
  const text = override.trim();
  if (!SPLIT_RE.test(text)) return [text];
  const out = shellWords(text, (op) => {
    throw new AppError(
      'validation_error',
      `command_override: shell operator '${op}' is not allowed (no shell is used)`,
    );
  });
  if (out.length === 0) throw new AppError('validation_error', 'command_override: cannot be empty');
  return out;
}

/**
 * llama-server names its model by the file path in `/v1` responses (`"model": "/path/x.gguf"`)
 * unless given `--alias`. A single-model instance therefore gets `--alias <instance name>`, so
 * responses name the model the client asked for and no local path leaks. Not in router mode
 * (no model of its own, `--models-dir`, presets): there each model keeps its own name.
 */
export function implicitAliasArgs(
  type: BackendType,
  bo: Record<string, unknown>,
  name: string,
  router: boolean,
): string[] {
  if (type !== 'llama_cpp' || router) return [];
  const set = (k: string) => typeof bo[k] === 'string' && bo[k] !== '';
  const extra = (bo.extra_args ?? {}) as Record<string, unknown>;
  if (set('alias') || 'alias' in extra || 'a' in extra) return [];
  if (!set('model') && !set('hf_repo') && !set('model_url')) return [];
  if (set('models_dir') || set('models_preset')) return [];
  return ['--alias', name];
}

/**
 * The argv and environment the server spawns for an instance; the dashboard's command preview
 * shows the same result, so the two cannot differ.
 * - native: `command` (or `command_override`) + config `args` + flags (+ the positional model
 *   for backends that take one)
 * - docker: `docker` + docker `args` (+ `--name` unless given) + `-e NAME` for every backend,
 *   docker and instance variable (the value travels in the docker CLI's environment, not in
 *   argv, so `ps` does not show secrets) + the preset mount + image + flags
 * - env: backend < docker (docker mode) < instance; the server puts its own environment under it
 */
export function buildArgv(
  instance: ArgvInstance,
  backend: BackendCommandConfig | undefined,
  platform: Platform,
): BuiltArgv {
  const { name, options } = instance;
  const d = backendOf(options.backend_type);
  const bc = backend ?? defaultBackendConfig(d);
  const bo = options.backend_options ?? {};
  const docker = usesDocker(d, options, bc);

  const env: Record<string, string> = {
    ...(bc.environment ?? {}),
    ...(docker ? (bc.docker?.environment ?? {}) : {}),
    ...(options.environment ?? {}),
  };

  const presetOption = d.presetOption ? bo[d.presetOption] : undefined;
  const preset =
    d.presetFlag && options.preset_ini && !(typeof presetOption === 'string' && presetOption !== '')
      ? presetPath(name, platform)
      : undefined;
  const presetArgs = preset && d.presetFlag ? [d.presetFlag, preset] : [];

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
    for (const k of Object.keys(env)) args.push('-e', k);
    // the preset file lives on the host: mount it read-only at the same path
    if (preset) args.push('-v', `${preset}:${preset}:ro`);
    args.push(
      bc.docker.image,
      ...renderBackendFlags(d.type, bo),
      ...implicitAliasArgs(d.type, bo, name, preset !== undefined),
      ...presetArgs,
    );
    return { command: 'docker', args, env, docker: true, container };
  }

  const exe = options.command_override?.trim()
    ? splitCommandOverride(options.command_override)
    : [bc.command];
  const args = [...exe.slice(1), ...bc.args];
  if (d.positionalModel) {
    if (typeof bo.model === 'string' && bo.model !== '') args.push(bo.model);
    args.push(...renderBackendFlags(d.type, bo, { omitModel: true }));
  } else {
    args.push(...renderBackendFlags(d.type, bo));
  }
  args.push(...implicitAliasArgs(d.type, bo, name, preset !== undefined), ...presetArgs);
  return { command: exe[0], args, env, docker: false };
}
