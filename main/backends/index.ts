import type { BackendType, InstanceOptions } from '../../shared/api/instances';

export { normalizeBackendOptions } from './normalize';
export {
  buildCommand,
  backendConfig,
  presetPath,
  usesDocker,
  splitCommandOverride,
  llamaHelperCommand,
  dockerContainerName,
} from './command';
export type { BuiltCommand, LlamaHelper } from './command';
export { parseCommand } from './parse-command';
export { renderBackendFlags, renderTypedFlags, renderExtraArgs, formatNumber } from './render';

/** The model name used for routing: llama's `model` or `hf_repo`; the others' `model`. */
export function backendModel(
  options: Pick<InstanceOptions, 'backend_type' | 'backend_options'>,
): string | undefined {
  const bo = options.backend_options ?? {};
  const pick = (k: string) =>
    typeof bo[k] === 'string' && bo[k] !== '' ? (bo[k] as string) : undefined;
  if (options.backend_type === 'llama_cpp') return pick('model') ?? pick('hf_repo');
  return pick('model');
}

/**
 * The readiness URL path. All three backends serve `/health`; llama-server moves it under
 * `api_prefix` when one is set (llamactl always probed `/health`).
 */
export function healthPath(type: BackendType, backendOptions?: Record<string, unknown>): string {
  const prefix =
    type === 'llama_cpp' && typeof backendOptions?.api_prefix === 'string'
      ? backendOptions.api_prefix
      : '';
  return `${prefix.replace(/\/+$/, '')}/health`;
}
