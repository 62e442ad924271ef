import type { Router } from 'express';
import type { BackendType } from '../../../shared/api/instances';
import { AppError } from '../../../shared/errors';
import { parseCommand } from '../../backends';
import type { LlamaHelper } from '../../backends';
import { runLlamaHelper } from '../../backends/helper-runner';
import type { Services } from '../../services';

const PARSE_ROUTES: Record<string, BackendType> = {
  'llama-cpp': 'llama_cpp',
  mlx: 'mlx_lm',
  vllm: 'vllm',
};
const HELPERS: LlamaHelper[] = ['help', 'version', 'devices'];

/** §3.4: parse-command for the three backends and llama-server's help/version/devices. */
export function registerBackendRoutes(api: Router, services: Services): void {
  for (const [segment, type] of Object.entries(PARSE_ROUTES)) {
    api.post(`/backends/${segment}/parse-command`, (req, res) => {
      const body: unknown = req.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new AppError('invalid_request', 'Invalid JSON body: expected {"command": "..."}');
      const command = (body as { command?: unknown }).command;
      if (command !== undefined && command !== null && typeof command !== 'string')
        throw new AppError('invalid_request', 'command: must be a string');
      const parsed = parseCommand(type, command ?? '');
      // llamactl omits backend_options when nothing was parsed; environment is our addition
      res.json({
        backend_type: parsed.backend_type,
        ...(Object.keys(parsed.backend_options).length > 0
          ? { backend_options: parsed.backend_options }
          : {}),
        ...(parsed.environment ? { environment: parsed.environment } : {}),
      });
    });
  }
  for (const which of HELPERS) {
    api.get(`/backends/llama-cpp/${which}`, async (_req, res) => {
      const output = await runLlamaHelper(which, services.config);
      res.type('text/plain').send(output);
    });
  }
}
