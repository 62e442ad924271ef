import type { BackendType, InstanceOptions } from '../../../shared/api/instances';
import { BACKEND_EXECUTABLES, BACKEND_OPTION_FIELDS } from '../../../shared/backends';

/** The part of GET /api/v1/config the preview needs (backends.<key>). */
export interface BackendConfigLite {
  command?: string;
  args?: string[];
  docker?: { enabled?: boolean; image?: string; args?: string[] };
}
export type BackendsConfigLite = Partial<Record<'llama-cpp' | 'mlx' | 'vllm', BackendConfigLite>>;

export function configKey(type: BackendType): 'llama-cpp' | 'mlx' | 'vllm' {
  return type === 'llama_cpp' ? 'llama-cpp' : type === 'mlx_lm' ? 'mlx' : 'vllm';
}

function renderFlags(
  type: BackendType,
  opts: Record<string, unknown>,
  skipModel: boolean,
): string[] {
  const out: string[] = [];
  for (const fl of BACKEND_OPTION_FIELDS[type]) {
    if (skipModel && fl.key === 'model') continue;
    const v = opts[fl.key];
    if (v === undefined || v === null || v === '') continue;
    switch (fl.type) {
      case 'bool':
        if (v === true) out.push(fl.flag);
        break;
      case 'int':
      case 'num':
        out.push(fl.flag, String(v));
        break;
      case 'str':
        if (fl.pair) out.push(fl.flag, ...String(v).trim().split(/\s+/));
        else out.push(fl.flag, String(v));
        break;
      case 'str[]': {
        const arr = (Array.isArray(v) ? v : [v]).map(String).filter((x) => x !== '');
        if (arr.length === 0) break;
        if (fl.list === 'comma') out.push(fl.flag, arr.join(','));
        else if (fl.list === 'multi') out.push(fl.flag, ...arr);
        else for (const a of arr) out.push(fl.flag, a);
        break;
      }
    }
  }
  const extra = opts.extra_args as Record<string, string> | undefined;
  for (const [k, v] of Object.entries(extra ?? {})) {
    out.push(`--${k}`);
    if (v !== '') out.push(v);
  }
  return out;
}

/**
 * The argv the server will run, computed from the shared option tables with the server's
 * rendering rules (typed fields in table order, then extra args). It is a preview: the server
 * stays the authority (it adds `--models-preset` for preset_ini and validates everything).
 */
export function previewArgv(
  options: InstanceOptions,
  backends: BackendsConfigLite | undefined,
): string[] {
  const type = options.backend_type;
  const cfg = backends?.[configKey(type)] ?? {};
  const opts = options.backend_options ?? {};
  const docker =
    type !== 'mlx_lm' && (options.docker_enabled ?? cfg.docker?.enabled ?? false) && !!cfg.docker;
  if (docker) {
    const d = cfg.docker!;
    return ['docker', ...(d.args ?? []), d.image ?? '<image>', ...renderFlags(type, opts, false)];
  }
  const exe = options.command_override?.trim() || cfg.command || BACKEND_EXECUTABLES[type];
  const base = cfg.args ?? (type === 'vllm' ? ['serve'] : []);
  if (type === 'vllm') {
    const model = typeof opts.model === 'string' && opts.model ? [opts.model] : [];
    return [exe, ...base, ...model, ...renderFlags(type, opts, true)];
  }
  return [exe, ...base, ...renderFlags(type, opts, false)];
}

/** POSIX-shell quoting, for display and copy-paste. */
export function shellQuote(args: string[]): string {
  return args
    .map((a) => (a !== '' && /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}
