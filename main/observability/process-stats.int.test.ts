import { spawn } from 'node:child_process';
import { sampleGroups } from './process-stats';

describe('process statistics of a live process group', () => {
  it.runIf(process.platform === 'linux')(
    'adds up the memory and CPU of a whole process group and finds the port it listens on',
    async () => {
      // A group leader that holds 64 MiB and listens, with a child in its group.
      const script = `
        const buf = Buffer.alloc(64 * 1024 * 1024, 1);
        require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
        const s = require('node:http').createServer().listen(0, '127.0.0.1', () => {
          process.stdout.write(String(s.address().port) + '\\n');
        });
        setInterval(() => buf[0]++, 1000);
      `;
      const leader = spawn(process.execPath, ['-e', script], {
        detached: true,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      try {
        const port = await new Promise<number>((resolve) =>
          leader.stdout!.once('data', (c) => resolve(Number(String(c).trim()))),
        );
        await vi.waitFor(async () => {
          const g = (await sampleGroups([leader.pid!])).get(leader.pid!);
          expect(g?.pids.length).toBe(2);
        });
        const g = (await sampleGroups([leader.pid!])).get(leader.pid!)!;
        expect(g.pids).toContain(leader.pid);
        expect(g.rssBytes).toBeGreaterThan(64 * 1024 * 1024);
        expect(g.cpuSeconds).toBeGreaterThan(0);
        expect(g.uptimeSeconds).toBeGreaterThanOrEqual(0);
        expect(g.listenPorts).toEqual([port]);
        // A group nobody leads is simply absent.
        expect((await sampleGroups([2 ** 22 + 7])).size).toBe(0);
      } finally {
        process.kill(-leader.pid!, 'SIGKILL');
      }
    },
  );
});
