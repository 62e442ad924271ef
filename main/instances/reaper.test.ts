import { spawn } from 'node:child_process';
import { commandMatches, groupMembers, readCmdline } from './reaper';

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
