import type { BackendType } from '../api/instances';
import { LLAMA_CPP_OPTIONS } from './llama-cpp';
import { MLX_LM_OPTIONS } from './mlx-lm';
import type { BackendOptionField } from './types';
import { VLLM_OPTIONS } from './vllm';

/**
 * Everything the code knows about one backend, in one place: the API's `backend_type`, the
 * config section, the route segment, how its program is spelled, what the dashboard shows, how
 * its command line is built and where its health URL is. Every other file asks this table;
 * adding a backend is one descriptor plus its option table (docs/backends.md has the checklist).
 */
export interface BackendDescriptor {
  /** `backend_type` in the API and the store */
  readonly type: BackendType;
  /** its section under `backends` in the config (`backends.llama-cpp`) */
  readonly configKey: string;
  /** its segment in `/api/v1/backends/{segment}/…` (llamactl's spelling) */
  readonly routeSegment: string;
  /** the default executable (the config's default `command`, what parse-command skips) */
  readonly executable: string;
  /**
   * The ways a command line names the program, as leading words (the first matched by base
   * name, so `/opt/bin/llama-server` and `llama-server.exe` count): longest first.
   */
  readonly programs: readonly (readonly string[])[];
  /** `python -m <module> [words]` spellings of the program */
  readonly pythonModules: readonly (readonly string[])[];
  /**
   * Words of the program that are not part of the executable: the config's default `args`
   * (`vllm serve`), so an imported executable is the override and the config adds these.
   */
  readonly subcommand: readonly string[];
  /** the dashboard's name for it */
  readonly label: string;
  /** one line under the label */
  readonly description: string;
  /** an example command line, for the import box */
  readonly placeholder: string;
  /** whether it can run in docker (the backend config's `docker` section) */
  readonly docker: boolean;
  /**
   * Native mode passes `model` as the first positional argument after the config's args
   * (`vllm serve <model> --port …`) instead of `--model`; parse-command reads a positional
   * word as the model for every backend.
   */
  readonly positionalModel: boolean;
  /** readiness URL path; `prefixOption` names an option that moves it (`api_prefix`) */
  readonly health: { readonly path: string; readonly prefixOption?: string };
  /** options naming the model, in order of preference: the routing model name */
  readonly modelOptions: readonly string[];
  /** it can take `preset_ini` (written to a file, passed as `presetFlag`) */
  readonly presetFlag?: string;
  /** the option that stops `preset_ini` from being passed (the user gave the flag themselves) */
  readonly presetOption?: string;
  /** without a model it serves several (llama-server's router mode) */
  readonly routerMode: boolean;
  /** typed options, in argv order */
  readonly options: readonly BackendOptionField[];
}

const BUILT_IN: Readonly<Record<BackendType, BackendDescriptor>> = {
  llama_cpp: {
    type: 'llama_cpp',
    configKey: 'llama-cpp',
    routeSegment: 'llama-cpp',
    executable: 'llama-server',
    programs: [['llama-server']],
    pythonModules: [],
    subcommand: [],
    label: 'llama.cpp',
    description:
      'llama-server: GGUF models on CPU, CUDA, Metal, Vulkan. Without a model it runs in router mode.',
    placeholder:
      'llama-server -m /models/qwen2.5-7b-instruct-q4_k_m.gguf -c 8192 -ngl 99 --flash-attn on',
    docker: true,
    positionalModel: false,
    health: { path: '/health', prefixOption: 'api_prefix' },
    modelOptions: ['model', 'hf_repo'],
    presetFlag: '--models-preset',
    presetOption: 'models_preset',
    routerMode: true,
    options: LLAMA_CPP_OPTIONS,
  },
  mlx_lm: {
    type: 'mlx_lm',
    configKey: 'mlx',
    routeSegment: 'mlx',
    executable: 'mlx_lm.server',
    programs: [['mlx_lm', 'server'], ['mlx_lm.server']],
    pythonModules: [['mlx_lm.server'], ['mlx_lm', 'server']],
    subcommand: [],
    label: 'MLX',
    description: 'mlx_lm.server: MLX models on Apple silicon.',
    placeholder: 'mlx_lm.server --model mlx-community/Qwen2.5-7B-Instruct-4bit --temp 0.7',
    // llamactl: MLX needs Apple silicon's Metal, which no container offers.
    docker: false,
    positionalModel: false,
    health: { path: '/health' },
    modelOptions: ['model'],
    routerMode: false,
    options: MLX_LM_OPTIONS,
  },
  vllm: {
    type: 'vllm',
    configKey: 'vllm',
    routeSegment: 'vllm',
    executable: 'vllm',
    programs: [['vllm', 'serve'], ['vllm'], ['serve']],
    pythonModules: [['vllm.entrypoints.openai.api_server'], ['vllm.entrypoints.cli.main', 'serve']],
    subcommand: ['serve'],
    label: 'vLLM',
    description: 'vllm serve: high-throughput serving on NVIDIA/AMD GPUs.',
    placeholder:
      'vllm serve Qwen/Qwen2.5-7B-Instruct --tensor-parallel-size 2 --gpu-memory-utilization 0.9',
    docker: true,
    positionalModel: true,
    health: { path: '/health' },
    modelOptions: ['model'],
    routerMode: false,
    options: VLLM_OPTIONS,
  },
};

const registry = new Map<string, BackendDescriptor>(Object.entries(BUILT_IN));

/** Every backend, built-in ones first, in the order the dashboard lists them. */
export function backendDescriptors(): BackendDescriptor[] {
  return [...registry.values()];
}

/** The descriptor of a backend type, or undefined for a type nobody registered. */
export function findBackend(type: string): BackendDescriptor | undefined {
  return registry.get(type);
}

/** The descriptor of a known backend type (validated input); throws for an unknown one. */
export function backendOf(type: BackendType): BackendDescriptor {
  const d = registry.get(type);
  if (!d) throw new Error(`unknown backend type ${JSON.stringify(type)}`);
  return d;
}

/** The backend whose `/api/v1/backends/{segment}` this is. */
export function backendByRouteSegment(segment: string): BackendDescriptor | undefined {
  for (const d of registry.values()) if (d.routeSegment === segment) return d;
  return undefined;
}

/** The backend types, for messages and enums. */
export function backendTypes(): string[] {
  return [...registry.keys()];
}

/**
 * Adds a backend at run time. The product's backends are the built-in table above; this exists
 * so a test can prove that one descriptor plus its option table is all a backend needs.
 */
export function registerBackend(d: BackendDescriptor): () => void {
  for (const other of registry.values()) {
    if (
      other.type === d.type ||
      other.configKey === d.configKey ||
      other.routeSegment === d.routeSegment
    )
      throw new Error(`backend ${d.type} clashes with ${other.type}`);
  }
  registry.set(d.type, d);
  return () => {
    registry.delete(d.type);
  };
}
