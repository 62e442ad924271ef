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
