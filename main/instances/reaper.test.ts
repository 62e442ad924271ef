import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandMatches, groupMembers, processStartTime, readCmdline, reapOrphans } from './reaper';

describe('commandMatches', () => {
  it('matches the recorded argv exactly', () => {
    expect(
      commandMatches(
        ['/usr/bin/llama-server', '--port', '8001'],
        ['/usr/bin/llama-server', '--port', '8001'],
      ),
    ).toBe(true);
  });

  it('matches a script run through its interpreter', () => {
    expect(
      commandMatches(['/x/fake.mjs', '--port', '8001'], ['node', '/x/fake.mjs', '--port', '8001']),
    ).toBe(true);
  });

  it('matches a command found through PATH by its base name', () => {
    expect(
      commandMatches(
        ['llama-server', '--port', '8001'],
        ['/usr/local/bin/llama-server', '--port', '8001'],
      ),
    ).toBe(true);
  });

  it('does not match another program that reused the pid', () => {
    expect(commandMatches(['llama-server', '--port', '8001'], ['bash'])).toBe(false);
    expect(commandMatches(['llama-server', '--port', '8001'], ['vim', '--port', '8001'])).toBe(
      false,
    );
  });

  it('does not match the same program with other arguments', () => {
    if (process.platform !== 'linux') return;
    expect(
      commandMatches(['llama-server', '--port', '8001'], ['llama-server', '--port', '8002']),
    ).toBe(false);
  });
});

describe('process inspection', () => {
  it('reads a live process command line and lists its process group', async () => {
    if (process.platform !== 'linux') return;
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      expect(readCmdline(child.pid!)).toEqual(['sleep', '30']);
      expect(groupMembers(child.pid!)).toEqual([child.pid]);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    expect(readCmdline(child.pid!)).toBeNull();
  });
});

describe('reapOrphans', () => {
  const linux = process.platform === 'linux';
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llamactl-reaper-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A detached `sleep 30` started through a wrapper script that execs it. */
  async function wrapped() {
    const wrapper = join(dir, 'wrapper.sh');
    writeFileSync(wrapper, '#!/bin/sh\nexec sleep "$@"\n');
    chmodSync(wrapper, 0o755);
    const child = spawn(wrapper, ['30'], { detached: true, stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    const exited = new Promise((r) => child.once('exit', r));
    const pid = child.pid!;
    // read as the supervisor does, right after the spawn, possibly before the exec
    const startTime = processStartTime(pid);
    await vi.waitFor(() => expect(readCmdline(pid)).toEqual(['sleep', '30']));
    const row = {
      instance_name: 'w',
      pid,
      pgid: pid,
      port: null,
      started_at: Date.now(),
      command: [wrapper, '30'],
      start_time: startTime,
    };
    return { child, pid, row, exited };
  }

  it.runIf(linux)(
    'stops a leftover started through a wrapper script that execs the real program',
    async () => {
      const { pid, row, exited } = await wrapped();
      expect(processStartTime(pid)).toBe(row.start_time);
      // the command line no longer names the wrapper: argv text alone would call it "not ours"
      expect(commandMatches(row.command, readCmdline(pid)!)).toBe(false);
      expect(await reapOrphans([row], 2000)).toEqual([{ instance: 'w', pid, action: 'killed' }]);
      await exited;
    },
  );

  it.runIf(linux)(
    'leaves alone a process that has a recorded pid but another start time',
    async () => {
      const { child, pid, row, exited } = await wrapped();
      try {
        const results = await reapOrphans([{ ...row, start_time: 'linux:other-boot:1' }], 500);
        expect(results).toEqual([{ instance: 'w', pid, action: 'not-ours' }]);
        expect(readCmdline(pid)).not.toBeNull();
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
    },
  );
});
