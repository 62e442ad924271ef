import type { Request, Response, Router } from 'express';
import { existsSync, readFileSync } from 'node:fs';
import { AppError } from '../../../shared/errors';
import { tailLines } from '../../instances/log-file';
import type { Services } from '../../services';
import { writeError } from '../proxy/errors';

/** `lines`: absent -> whole file; must be an integer; <= 0 -> whole file (llamactl). */
function linesParam(req: Request): number | undefined {
  const raw = req.query.lines;
  if (raw === undefined) return undefined;
  const text = Array.isArray(raw) ? String(raw[0]) : String(raw);
  if (!/^[+-]?\d+$/.test(text.trim())) {
    throw new AppError('invalid_parameter', `Invalid lines parameter: "${text}" is not an integer`);
  }
  return Number(text);
}

const name = (req: Request) => String(req.params.name);

/**
 * Instances API (§3.2) plus the live log stream used by the dashboard's log viewer. Calls go
 * through the directory: local instances to the instance manager, remote ones to their node.
 */
export function registerInstanceRoutes(api: Router, services: Services): void {
  const m = services.directory;

  api.get('/instances', async (_req, res) => {
    res.json(await m.listFresh());
  });

  api.get('/instances/:name', async (req, res) => {
    res.json(await m.getFresh(name(req)));
  });

  api.post('/instances/:name', async (req, res) => {
    res.status(201).json(await m.create(name(req), req.body));
  });

  api.put('/instances/:name', async (req, res) => {
    res.json(await m.update(name(req), req.body));
  });

  api.delete('/instances/:name', async (req, res) => {
    // local_only=true: forget a remote instance whose node is gone, without asking the node.
    await m.delete(name(req), { localOnly: req.query.local_only === 'true' });
    res.status(204).end();
  });

  api.post('/instances/:name/start', async (req, res) => {
    res.json(await m.start(name(req)));
  });

  api.post('/instances/:name/stop', async (req, res) => {
    res.json(await m.stop(name(req)));
  });

  api.post('/instances/:name/restart', async (req, res) => {
    res.json(await m.restart(name(req)));
  });

  api.get('/instances/:name/logs', async (req, res) => {
    const lines = linesParam(req);
    res.type('text/plain').send(await m.logs(name(req), lines));
  });

  // Server-sent events: one `data:` event per chunk (a JSON string, so newlines survive), first
  // the last `lines` lines (default 200), then everything the backend writes; comments keep it
  // alive. The backlog is read synchronously in the same tick as the subscription: no gap, no repeat.
  api.get('/instances/:name/logs/stream', (req, res) => {
    const n = name(req);
    const q = req.originalUrl.indexOf('?');
    const onError = (err: AppError) => writeError(res, err, 'management', services.log);
    if (m.streamRemoteLogs(req, res, n, q < 0 ? '' : req.originalUrl.slice(q), onError)) return;
    const lines = linesParam(req) ?? 200;
    const path = services.instances.logFile(n);
    let backlog = '';
    if (existsSync(path)) backlog = lines > 0 ? tailLines(path, lines) : readFileSync(path, 'utf8');
    sendSseHeaders(res);
    const send = (text: string) => {
      if (text) res.write(`data: ${JSON.stringify(text)}\n\n`);
    };
    send(backlog && lines > 0 ? backlog + '\n' : backlog);
    const unsubscribe = services.instances.onLogOutput(n, send);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  });
}

export function sendSseHeaders(res: Response): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
}
