import http from 'node:http';
import net from 'node:net';
import {
  findFreePort,
  listenWithPortChoice,
  portConflictMessage,
  type PortConflict,
} from './port-conflict';

const servers: Array<net.Server> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function occupy(): Promise<number> {
  const s = net.createServer();
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as net.AddressInfo).port;
}

function listenHttp(host: string, port: number): Promise<number> {
  const s = http.createServer((_q, r) => r.end('ok'));
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, host, () => {
      servers.push(s);
      resolve((s.address() as net.AddressInfo).port);
    });
  });
}

describe('listenWithPortChoice', () => {
  it('listens on the configured port without asking when it is free', async () => {
    const port = await findFreePort('127.0.0.1');
    const ask = vi.fn();
    await expect(
      listenWithPortChoice({ host: '127.0.0.1', port, listen: listenHttp, ask }),
    ).resolves.toBe(port);
    expect(ask).not.toHaveBeenCalled();
  });

  it('asks about the taken port and starts on the offered free port when accepted', async () => {
    const taken = await occupy();
    const asked: PortConflict[] = [];
    const port = await listenWithPortChoice({
      host: '127.0.0.1',
      port: taken,
      listen: listenHttp,
      ask: async (c) => {
        asked.push(c);
        return 'use-free-port';
      },
    });
    expect(asked).toHaveLength(1);
    expect(asked[0].port).toBe(taken);
    expect(port).toBe(asked[0].freePort);
    expect(port).not.toBe(taken);
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe('ok');
  });

  it('resolves null when the user chooses to quit', async () => {
    const taken = await occupy();
    await expect(
      listenWithPortChoice({
        host: '127.0.0.1',
        port: taken,
        listen: listenHttp,
        ask: async () => 'quit',
      }),
    ).resolves.toBeNull();
  });

  it('rethrows errors other than a taken port', async () => {
    const ask = vi.fn();
    const listen = async () => {
      throw Object.assign(new Error('permission denied'), { code: 'EACCES' });
    };
    await expect(
      listenWithPortChoice({ host: '127.0.0.1', port: 80, listen, ask }),
    ).rejects.toThrow('permission denied');
    expect(ask).not.toHaveBeenCalled();
  });
});

describe('portConflictMessage', () => {
  it('names the taken port and offers the free one first', () => {
    const m = portConflictMessage({ host: '127.0.0.1', port: 8080, freePort: 41234 });
    expect(m.message).toBe('Port 8080 on 127.0.0.1 is already in use.');
    expect(m.buttons).toEqual(['Use port 41234', 'Quit']);
    expect(m.defaultId).toBe(0);
    expect(m.cancelId).toBe(1);
    expect(m.detail).toContain('LLAMACTL_PORT');
  });
});
