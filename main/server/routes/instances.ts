import type { Request, Router } from 'express';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Instance } from '../../../shared/api/instances';
import { AppError } from '../../../shared/errors';
import { tailLines } from '../../instances/log-file';
import type { Services } from '../../services';
import type { ReverseProxy } from '../proxy/reverse-proxy';
import { openSse, SSE_MAX_BUFFERED_BYTES } from '../sse';

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
export function registerInstanceRoutes(api: Router, services: Services, proxy: ReverseProxy): void {
  const m = services.directory;

  // Local instances carry their latest resource sample; remote ones come with their node's.
  const withResources = (i: Instance): Instance =>
    m.isRemote(i.name) ? i : services.observability.withResources(i);

  api.get('/instances', async (_req, res) => {
    const list = await m.listFresh();
    if (list.some((i) => i.status === 'running')) await services.observability.sampler.fresh();
    res.json(list.map(withResources));
  });

  api.get('/instances/:name', async (req, res) => {
    const instance = await m.getFresh(name(req));
    if (instance.status === 'running' && !m.isRemote(instance.name))
      await services.observability.sampler.fresh();
    res.json(withResources(instance));
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

  // `lines` absent or <= 0 means the whole file, which can be large: it is streamed, never read
  // into memory at once.
  api.get('/instances/:name/logs', async (req, res) => {
    const n = name(req);
    const lines = linesParam(req);
    if (m.isRemote(n) || (lines !== undefined && lines > 0)) {
      const text = await m.logs(n, lines);
      res.type('text/plain').send(text);
      return;
    }
    const path = services.instances.logFile(n);
    res.type('text/plain');
    if (!existsSync(path)) {
      res.send('');
      return;
    }
    await pipeline(createReadStream(path), res);
  });

  // Server-sent events: one `data:` event per chunk (a JSON string, so newlines survive), first
  // the last `lines` lines (default 200; 0 = the whole file, streamed in chunks at the client's
  // pace), then everything the backend writes. Live output is subscribed in the same tick as the
  // file size is taken (log writes are synchronous): no gap, no repeat. A client that stops
  // reading is dropped with a last `event: dropped` (sse.ts).
  api.get('/instances/:name/logs/stream', (req, res) => {
    const n = name(req);
    const q = req.originalUrl.indexOf('?');
    const remote = m.remoteLogStream(n, q < 0 ? '' : req.originalUrl.slice(q));
    if (remote) {
      proxy.forward(req, res, { instance: n, ...remote, style: 'management' });
      return;
    }
    const lines = linesParam(req) ?? 200;
    const path = services.instances.logFile(n);
    const size = existsSync(path) ? statSync(path).size : 0;
    const tail = size > 0 && lines > 0 ? tailLines(path, lines) : '';
    const event = (text: string) => (text ? `data: ${JSON.stringify(text)}\n\n` : '');
    // live output waits here while the whole file is being sent
    let queue: string[] | null = lines > 0 || size === 0 ? null : [];
    let queued = 0;
    const stream = openSse(req, res, { onClose: () => unsubscribe() });
    const unsubscribe = services.instances.onLogOutput(n, (text) => {
      if (!queue) {
        stream.write(event(text));
        return;
      }
      queue.push(text);
      queued += text.length;
      if (queued > SSE_MAX_BUFFERED_BYTES)
        stream.drop(
          'the log grew faster than the client read the whole file; reconnect with lines=N',
        );
    });
    if (!queue) {
      stream.write(event(tail ? tail + '\n' : ''));
      return;
    }
    void (async () => {
      try {
        const file = createReadStream(path, { start: 0, end: size - 1, encoding: 'utf8' });
        for await (const chunk of file as AsyncIterable<string>) {
          if (!stream.write(event(chunk))) {
            file.destroy();
            return;
          }
          await stream.drained();
        }
        for (const text of queue!) stream.write(event(text));
      } catch (err) {
        stream.drop(`could not read the log file: ${(err as Error).message}`);
      } finally {
        queue = null;
      }
    })();
  });
}
