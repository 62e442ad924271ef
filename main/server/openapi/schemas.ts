import { z } from 'zod';
import { INSTANCE_HEALTHS, INSTANCE_STATUSES } from '../../../shared/api/instances';
import { instanceOptionsJsonSchema } from '../../../shared/api/instance-schema';
import { PERMISSION_MODES } from '../../../shared/api/keys';
import { DOWNLOAD_FORMATS, JOB_STATUSES } from '../../../shared/api/models';
import { SettingsSchema } from '../../../shared/api/settings';

/**
 * The schemas of the OpenAPI document's components. Those the server validates with live in
 * shared/ and are used as they are: the instance options as the JSON Schema the parser's own
 * field schemas publish (shared/api/instance-schema.ts, one source of truth with the server and
 * the dashboard form), SettingsSchema as zod. The others describe shapes that are TypeScript
 * interfaces in shared/api today.
 */

/** Stands for the instance options inside other schemas: written as a $ref to the component. */
export const INSTANCE_OPTIONS_REF = z.unknown().describe('the instance options (InstanceOptions)');

export const InstanceSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  status: z.enum(INSTANCE_STATUSES),
  health: z.enum(INSTANCE_HEALTHS),
  node: z.string().optional(),
  options: INSTANCE_OPTIONS_REF,
  created: z.number().int().optional().describe('unix seconds'),
  memory_estimate_bytes: z
    .number()
    .int()
    .nullable()
    .optional()
    .describe('memory it needs by the GGUF estimate; null: not estimated'),
});

export const CreateApiKeySchema = z.object({
  name: z.string(),
  permission_mode: z.enum(PERMISSION_MODES),
  expires_at: z.number().int().nullable().optional().describe('unix seconds'),
  instance_ids: z.array(z.number().int()).optional().describe('required for per_instance'),
});

export const DownloadRequestSchema = z.object({
  repo: z.string().describe('org/model[:tag]'),
  format: z.enum(DOWNLOAD_FORMATS).optional(),
});

export const DownloadJobSchema = z.object({
  id: z.string(),
  repo: z.string(),
  status: z.enum(JOB_STATUSES),
});

const FitSchema = z.enum(['fits', 'tight', 'wont_fit']);

export const MemoryEstimateSchema = z.object({
  estimate_bytes: z.number().int().nullable().describe('null: not estimated (see reason)'),
  free_bytes: z
    .number()
    .int()
    .describe('available memory plus what evicting idle instances would free'),
  evictable_bytes: z.number().int(),
  verdict: FitSchema.nullable(),
  memory: z.enum(['ram', 'vram']).nullable().describe('the memory that decided the verdict'),
  breakdown: z
    .object({
      weights_bytes: z.number().int(),
      kv_cache_bytes: z.number().int(),
      compute_bytes: z.number().int(),
      overhead_bytes: z.number().int(),
    })
    .nullable(),
  context_size: z.number().int().nullable(),
  check_enabled: z.boolean(),
  reason: z.string().optional(),
});

export const ErrorSchema = z.object({
  error: z.string().describe('error code'),
  details: z.string(),
});

/** Components published as JSON Schema already, by name. */
export const JSON_DOC_SCHEMAS = {
  InstanceOptions: instanceOptionsJsonSchema,
} as const satisfies Record<string, () => Record<string, unknown>>;

/** Components generated from zod schemas here (z.toJSONSchema), by name. */
export const DOC_SCHEMAS = {
  Instance: InstanceSchema,
  CreateApiKey: CreateApiKeySchema,
  DownloadRequest: DownloadRequestSchema,
  DownloadJob: DownloadJobSchema,
  Settings: SettingsSchema,
  MemoryEstimate: MemoryEstimateSchema,
  Error: ErrorSchema,
} as const satisfies Record<string, z.ZodType>;

export type DocSchemaName = keyof typeof DOC_SCHEMAS | keyof typeof JSON_DOC_SCHEMAS;
