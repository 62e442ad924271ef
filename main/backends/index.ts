import type { BackendType, InstanceOptions } from '../../shared/api/instances';
import { backendOf, findBackend } from '../../shared/backends';

export { normalizeBackendOptions } from '../../shared/backends/normalize';
export {
  buildCommand,
  backendConfig,
  presetPath,
  serverPlatform,
  usesDocker,
  splitCommandOverride,
  llamaHelperCommand,
  dockerContainerName,
} from './command';
export type { BuiltCommand, LlamaHelper } from './command';
export { parseCommand } from './parse-command';
export { renderBackendFlags, renderTypedFlags, renderExtraArgs, formatNumber } from './render';

/**
 * The model name used for routing: the first model option the backend's descriptor names
 * (`model` for a type this server does not know, such as a newer node's).
 */
export function backendModel(
  options: Pick<InstanceOptions, 'backend_type' | 'backend_options'>,
): string | undefined {
  const bo = options.backend_options ?? {};
  for (const k of findBackend(options.backend_type)?.modelOptions ?? ['model']) {
    const v = bo[k];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

/**
 * The readiness URL path: the descriptor's, under the option that moves it when one is set
 * (llama-server's `api_prefix`; llamactl always probed `/health`).
 */
export function healthPath(type: BackendType, backendOptions?: Record<string, unknown>): string {
  const { path, prefixOption } = backendOf(type).health;
  const prefix = prefixOption ? backendOptions?.[prefixOption] : undefined;
  return typeof prefix === 'string' ? `${prefix.replace(/\/+$/, '')}${path}` : path;
}
