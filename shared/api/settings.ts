/** Dashboard settings: `GET/PUT /api/v1/settings`, kept in `<data_dir>/settings.json`. */
import { z } from 'zod';

export const SETTINGS_BACKENDS = ['llama-cpp', 'vllm', 'mlx'] as const;
export type SettingsBackend = (typeof SETTINGS_BACKENDS)[number];

const BackendSettingsSchema = z
  .object({
    /** the executable (a name on PATH or a full path); for llama-cpp, the default runtime */
    command: z.string().trim().min(1, 'must not be empty').optional(),
    args: z.array(z.string()).optional(),
  })
  .strict();

/**
 * The values a user can change in the dashboard, in the config file's structure. They apply over
 * the config file and under the environment. A key left out keeps the value from below.
 */
export const SettingsSchema = z
  .object({
    backends: z
      .object({
        'llama-cpp': BackendSettingsSchema.optional(),
        vllm: BackendSettingsSchema.optional(),
        mlx: BackendSettingsSchema.optional(),
      })
      .strict()
      .optional(),
    models: z
      .object({
        /** folders scanned for GGUF files by the local model library */
        folders: z.array(z.string().trim().min(1, 'must not be empty')).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type Settings = z.infer<typeof SettingsSchema>;

/** Where a configuration value came from, lowest precedence first. */
export type ConfigSourceName =
  'default' | '.env' | 'file' | 'settings' | 'environment' | 'overrides';

export interface EffectiveValue<T> {
  value: T;
  source: ConfigSourceName;
}

/** `GET /api/v1/settings`. */
export interface SettingsResponse {
  /** what is stored in settings.json */
  settings: Settings;
  /** the values in effect, with their source (an environment variable wins over settings) */
  effective: {
    backends: Record<
      SettingsBackend,
      { command: EffectiveValue<string>; args: EffectiveValue<string[]> }
    >;
    models: {
      folders: EffectiveValue<string[]>;
      /** the folders actually scanned (the defaults when `folders` is empty) */
      scanned: string[];
    };
  };
  /** the settings file */
  file: string;
}

/** Where a Hugging Face token entered in the dashboard is kept. */
export const HF_TOKEN_STORAGES = ['file', 'keychain'] as const;
export type HfTokenStorage = (typeof HF_TOKEN_STORAGES)[number];

/** `GET /api/v1/settings/hf-token` (and the answer to PUT/DELETE): never the token itself. */
export interface HfTokenStatus {
  set: boolean;
  /**
   * environment: HF_TOKEN (wins, cannot be changed here); file: the HF tools' token file;
   * keychain: encrypted with the OS keychain by the desktop app; none
   */
  source: 'environment' | 'file' | 'keychain' | 'none';
  /** e.g. "hf_…a1b2" */
  masked?: string;
  /** the HF tools' token file (`$HF_TOKEN_PATH`, else `$HF_HOME/token`) */
  file: string;
  /** where the stored token is kept (a PUT without `storage` keeps it there; 'file' when none) */
  storage: HfTokenStorage;
  /** the desktop app: whether the OS keychain can protect the token here, and where the blob is */
  keychain?: { available: boolean; label: string; file: string; reason?: string };
  /** a stored token that cannot be read any more: why; it has to be entered again */
  error?: string;
}

/** `PUT /api/v1/settings/hf-token`: a new token, where to keep it, or both. */
export interface HfTokenRequest {
  token?: string;
  /** without a token: moves the stored token there */
  storage?: HfTokenStorage;
}
