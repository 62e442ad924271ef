import net from 'node:net';
import { AppError } from '../../shared/errors';

/**
 * Port bookkeeping for local instances. A port belongs to one instance from creation to deletion
 * (llamactl stores it in `backend_options.port`); on top of llamactl's in-memory map we probe the
 * OS so that a port held by any live process (an orphan, another program) is never handed out.
 */
export class PortAllocator {
  private readonly owners = new Map<number, string>();

  constructor(
    private readonly range: readonly [number, number],
    private readonly probe: (port: number) => Promise<boolean> = isPortFree,
  ) {}

  ownerOf(port: number): string | undefined {
    return this.owners.get(port);
  }

  /** Records a port at boot without probing (its process may legitimately be starting again). */
  reserve(name: string, port: number): void {
    const owner = this.owners.get(port);
    if (owner !== undefined && owner !== name) {
      throw new AppError(
        'port_unavailable',
        `port ${port} is already allocated to instance ${owner}`,
      );
    }
    this.owners.set(port, name);
  }

  release(name: string, port: number | undefined): void {
    if (port !== undefined && this.owners.get(port) === name) this.owners.delete(port);
  }

  /**
   * An explicit port must not belong to another instance and must be free at the OS level; with
   * no port, the lowest free one in `port_range` is taken. The caller reserves before any await
   * returns control, so concurrent creates cannot get the same port.
   */
  async allocate(name: string, requested?: number): Promise<number> {
    if (requested !== undefined && requested !== 0) {
      if (!Number.isInteger(requested) || requested < 1 || requested > 65535) {
        throw new AppError(
          'validation_error',
          `backend_options.port: must be an integer in 1..65535 (got ${requested})`,
        );
      }
      const owner = this.owners.get(requested);
      if (owner !== undefined && owner !== name) {
        throw new AppError(
          'port_unavailable',
          `port ${requested} is already allocated to instance ${owner}`,
        );
      }
      if (owner === name) return requested;
      this.owners.set(requested, name);
      if (!(await this.probe(requested))) {
        this.owners.delete(requested);
        throw new AppError('port_unavailable', `port ${requested} is in use by another process`);
      }
      return requested;
    }
    const [lo, hi] = this.range;
    for (let p = lo; p <= hi; p++) {
      if (this.owners.has(p)) continue;
      this.owners.set(p, name);
      if (await this.probe(p)) return p;
      this.owners.delete(p);
    }
    throw new AppError('port_unavailable', `no available ports in range [${lo}-${hi}]`);
  }
}

/** True when nothing listens on the port (binding the wildcard address conflicts with any bind). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '0.0.0.0', exclusive: true }, () => {
      srv.close(() => resolve(true));
    });
  });
}
