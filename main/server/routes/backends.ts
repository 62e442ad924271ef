import type { Router } from 'express';
import { backendDescriptors } from '../../../shared/backends';
import { AppError } from '../../../shared/errors';
import { parseCommand } from '../../backends';
import type { LlamaHelper } from '../../backends';
import { runLlamaHelper } from '../../backends/helper-runner';
import type { Services } from '../../services';

const HELPERS: LlamaHelper[] = ['help', 'version', 'devices'];

/** §3.4: parse-command for every backend and llama-server's help/version/devices. */
export function registerBackendRoutes(api: Router, services: Services): void {
  for (const { routeSegment, type } of backendDescriptors()) {
    api.post(`/backends/${routeSegment}/parse-command`, (req, res) => {
      const body: unknown = req.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new AppError('invalid_request', 'Invalid JSON body: expected {"command": "..."}');
      const command = (body as { command?: unknown }).command;
      if (command !== undefined && command !== null && typeof command !== 'string')
        throw new AppError('invalid_request', 'command: must be a string');
      const parsed = parseCommand(type, command ?? '');
      // llamactl omits backend_options when nothing was parsed; environment and command are ours
      res.json({
        backend_type: parsed.backend_type,
        ...(Object.keys(parsed.backend_options).length > 0
          ? { backend_options: parsed.backend_options }
          : {}),
        ...(parsed.environment ? { environment: parsed.environment } : {}),
        ...(parsed.command !== undefined ? { command: parsed.command } : {}),
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
