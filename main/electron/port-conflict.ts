import net from 'node:net';

export function isAddressInUse(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
  );
}

/** A port the OS considers free on `host` right now (bind to 0, read it, release it). */
export function findFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface PortConflict {
  host: string;
  port: number;
  freePort: number;
}

export type PortChoice = 'use-free-port' | 'quit';

/** The dialog's text and buttons; button 0 uses the free port, button 1 quits. */
export function portConflictMessage(c: PortConflict) {
  return {
    type: 'warning' as const,
    title: 'Port already in use',
    message: `Port ${c.port} on ${c.host} is already in use.`,
    detail:
      `Another program (or another llamactl server) is listening on ${c.host}:${c.port}, so the ` +
      `dashboard and the OpenAI endpoint cannot start there.\n\n` +
      `You can start on port ${c.freePort} for this session instead. To change the port for good, ` +
      `set server.port in the llamactl configuration file or LLAMACTL_PORT.`,
    buttons: [`Use port ${c.freePort}`, 'Quit'],
    defaultId: 0,
    cancelId: 1,
    noLink: true,
  };
}

export interface ListenWithChoiceOptions<T> {
  host: string;
  port: number;
  listen(host: string, port: number): Promise<T>;
  ask(conflict: PortConflict): Promise<PortChoice>;
  findFreePort?(host: string): Promise<number>;
}

/**
 * Listens on the configured port; when it is taken, asks the user whether to use a free one
 * (or quit). Resolves null when the user chose to quit. Any other listen error is thrown.
 * The free port can be taken again between the probe and the listen, so this retries a few times.
 */
export async function listenWithPortChoice<T>(opts: ListenWithChoiceOptions<T>): Promise<T | null> {
  const probe = opts.findFreePort ?? findFreePort;
  let port = opts.port;
  for (let attempt = 0; ; attempt++) {
    try {
      return await opts.listen(opts.host, port);
    } catch (err) {
      if (!isAddressInUse(err) || attempt >= 3) throw err;
      const freePort = await probe(opts.host);
      if (attempt === 0) {
        const choice = await opts.ask({ host: opts.host, port, freePort });
        if (choice === 'quit') return null;
      }
      port = freePort;
    }
  }
}
