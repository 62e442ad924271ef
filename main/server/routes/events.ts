import type { Router } from 'express';
import type { Services } from '../../services';
import { openSse } from '../sse';

/**
 * `GET /api/v1/events`: the in-process event bus as server-sent events (`event: <type>`,
 * `id: <seq>`, `data: <json>`). Management auth applies like on every /api/v1 route
 * (`?api_key=` works for EventSource, which cannot set headers). A client that stops reading is
 * dropped with a last `event: dropped` instead of having every event queued for it (sse.ts).
 */
export function registerEventRoutes(api: Router, services: Services): void {
  api.get('/events', (req, res) => {
    // Resources are sampled (every 2 s, `resources` events) only while someone listens.
    const releaseSampler = services.observability.sampler.acquire();
    const stream = openSse(req, res, {
      onClose: () => {
        unsubscribe();
        releaseSampler();
      },
    });
    stream.write(`retry: 2000\n: connected\n\n`);
    const unsubscribe = services.events.subscribe((event) => {
      stream.write(`event: ${event.type}\nid: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`);
    });
  });
}
