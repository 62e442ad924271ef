import { z } from 'zod';
import {
  BACKEND_TYPES,
  BackendTypeSchema,
  INSTANCE_HEALTHS,
  INSTANCE_STATUSES,
} from '../../../shared/api/instances';
import { PERMISSION_MODES } from '../../../shared/api/keys';
import { DOWNLOAD_FORMATS, JOB_STATUSES } from '../../../shared/api/models';
import { SettingsSchema } from '../../../shared/api/settings';
import { optionFields, type BackendOptionField } from '../../../shared/backends';
import type { BackendType } from '../../../shared/api/instances';

/**
 * The zod schemas the OpenAPI document is generated from (z.toJSONSchema). Those the server
 * validates with live in shared/ and are used as they are (SettingsSchema, the backend option
 * tables); the others describe shapes that are TypeScript interfaces in shared/api today.
 * When shared/api/instance-schema.ts (the instance's zod schema) lands, it replaces
 * `InstanceOptionsSchema` here: the document takes whatever `DOC_SCHEMAS` holds.
 */

function optionSchema(f: BackendOptionField): z.ZodType {
  let s: z.ZodType;
  switch (f.type) {
    case 'bool':
      s = z.boolean();
      break;
    case 'int':
    case 'num': {
      let n = f.type === 'int' ? z.number().int() : z.number();
      if (f.min !== undefined) n = n.min(f.min);
      if (f.max !== undefined) n = n.max(f.max);
      s = n;
      break;
    }
    case 'str':
      s = z.string();
      break;
    case 'str[]':
      s = z.array(z.string());
      break;
  }
  return s.optional().describe(`${f.help} (${f.flag})`);
}

/** One backend's typed options from its option table (the table the server validates with). */
export function backendOptionsDocSchema(type: BackendType): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const f of optionFields(type)) shape[f.key] = optionSchema(f);
  shape.extra_args = z
    .record(z.string(), z.string())
    .optional()
    .describe('flags without a typed field, passed through as --key value');
  return z.object(shape).catchall(z.unknown()).describe(`backend_options for ${type}`);
}

export const InstanceOptionsSchema = z.object({
  backend_type: BackendTypeSchema,
  backend_options: z
    .union(BACKEND_TYPES.map((t) => backendOptionsDocSchema(t)))
    .describe('options of the backend named by backend_type'),
  nodes: z.array(z.string()).optional(),
  auto_restart: z.boolean().optional(),
  max_restarts: z.number().int().min(0).optional(),
  restart_delay: z.number().int().min(0).optional().describe('seconds'),
  on_demand_start: z.boolean().optional(),
  idle_timeout: z.number().int().min(0).optional().describe('minutes; 0 = never'),
  environment: z.record(z.string(), z.string()).optional(),
  preset_ini: z.string().optional(),
  docker_enabled: z.boolean().optional(),
  command_override: z.string().optional(),
  group: z.string().optional(),
});

export const InstanceSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  status: z.enum(INSTANCE_STATUSES),
  health: z.enum(INSTANCE_HEALTHS),
  node: z.string().optional(),
  options: InstanceOptionsSchema,
  created: z.number().int().optional().describe('unix seconds'),
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

export const ErrorSchema = z.object({
  error: z.string().describe('error code'),
  details: z.string(),
});

/** Named schemas of the document (components.schemas), by name. */
export const DOC_SCHEMAS = {
  InstanceOptions: InstanceOptionsSchema,
  Instance: InstanceSchema,
  CreateApiKey: CreateApiKeySchema,
  DownloadRequest: DownloadRequestSchema,
  DownloadJob: DownloadJobSchema,
  Settings: SettingsSchema,
  Error: ErrorSchema,
} as const satisfies Record<string, z.ZodType>;

export type DocSchemaName = keyof typeof DOC_SCHEMAS;
