import type { Router } from 'express';
import type { Services } from '../../services';
import { sendSseHeaders } from './instances';

/** How often an idle event stream sends a comment so proxies and browsers keep it open. */
export const EVENTS_HEARTBEAT_MS = 15_000;

/**
 * `GET /api/v1/events`: the in-process event bus as server-sent events (`event: <type>`,
 * `id: <seq>`, `data: <json>`). Management auth applies like on every /api/v1 route
 * (`?api_key=` works for EventSource, which cannot set headers).
 */
export function registerEventRoutes(api: Router, services: Services): void {
  api.get('/events', (req, res) => {
    sendSseHeaders(res);
    res.write(`retry: 2000\n: connected\n\n`);
    const unsubscribe = services.events.subscribe((event) => {
      res.write(`event: ${event.type}\nid: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(': ping\n\n'), EVENTS_HEARTBEAT_MS);
    req.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  });
}
