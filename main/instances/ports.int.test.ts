import net from 'node:net';
import { isPortFree, PortAllocator } from './ports';
import { testPortRange } from './test-helpers';

function listenOn(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

/** Holds the first port of the range that can be bound (another test may own the range start). */
async function holdPortIn(lo: number): Promise<{ srv: net.Server; port: number }> {
  for (let port = lo; port < lo + 90; port++) {
    try {
      return { srv: await listenOn(port), port };
    } catch {
      // taken: try the next one
    }
  }
  throw new Error(`no bindable port in ${lo}..${lo + 89}`);
}

describe('PortAllocator', () => {
  it('hands out the lowest free port and never the same one twice', async () => {
    const [lo] = testPortRange(50);
    const ports = new PortAllocator([lo, lo + 9]);
    const got = await Promise.all(['a', 'b', 'c'].map((n) => ports.allocate(n)));
    expect(new Set(got).size).toBe(3);
    expect(Math.min(...got)).toBeGreaterThanOrEqual(lo);
  });

  it('skips a port held by another process and refuses it when asked explicitly', async () => {
    const { srv: busy, port: lo } = await holdPortIn(testPortRange(51)[0]);
    try {
      expect(await isPortFree(lo)).toBe(false);
      const ports = new PortAllocator([lo, lo + 9]);
      expect(await ports.allocate('a')).not.toBe(lo);
      await expect(ports.allocate('b', lo)).rejects.toMatchObject({ code: 'port_unavailable' });
    } finally {
      busy.close();
    }
  });

  it('refuses a port owned by another instance and keeps an instance its own port', async () => {
    const [lo] = testPortRange(52);
    const ports = new PortAllocator([lo, lo + 9]);
    ports.reserve('a', lo + 5);
    await expect(ports.allocate('b', lo + 5)).rejects.toThrow('already allocated to instance a');
    expect(await ports.allocate('a', lo + 5)).toBe(lo + 5);
    ports.release('a', lo + 5);
    expect(ports.ownerOf(lo + 5)).toBeUndefined();
  });

  it('reports an exhausted range', async () => {
    const [lo] = testPortRange(53);
    const ports = new PortAllocator([lo, lo + 1], async () => true);
    await ports.allocate('a');
    await ports.allocate('b');
    await expect(ports.allocate('c')).rejects.toThrow(
      `no available ports in range [${lo}-${lo + 1}]`,
    );
  });
});
