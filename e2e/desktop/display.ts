import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { smokeTestPlan } from '../../scripts/electron-binary.mjs';

export interface DesktopDisplay {
  /** DISPLAY (and XAUTHORITY) for the Electron process */
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

const hasCommand = (name: string) =>
  spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;

/** Why the real-Electron specs cannot run here, or null when they can (see smokeTestPlan). */
export function desktopSkipReason(root: string): string | null {
  const plan = smokeTestPlan(root, process.platform, process.env, hasCommand);
  return 'skip' in plan ? plan.skip : null;
}

/**
 * The display the Electron process gets: the session's own, or a virtual X server started
 * through xvfb-run (which picks a free display number and an auth file) for as long as the
 * specs need it.
 */
export async function openDesktopDisplay(root: string): Promise<DesktopDisplay> {
  const plan = smokeTestPlan(root, process.platform, process.env, hasCommand);
  if ('skip' in plan) throw new Error(plan.skip);
  if (plan.display === 'existing') return { env: {}, close: async () => {} };
  const child: ChildProcess = spawn(
    'xvfb-run',
    [
      '-a',
      '-s',
      '-screen 0 1280x1024x24',
      'sh',
      '-c',
      'printf "%s %s\\n" "$DISPLAY" "$XAUTHORITY"; exec sleep 2147483647',
    ],
    // its own process group: closing it ends xvfb-run, Xvfb and the placeholder together
    { detached: true, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`xvfb-run exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
  });
  const [display, xauthority] = line.split(' ');
  return {
    env: { DISPLAY: display, ...(xauthority ? { XAUTHORITY: xauthority } : {}) },
    close: async () => {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return; // gone already
      }
      await exited;
    },
  };
}

/** Chromium refuses to start as root with its sandbox on (CI containers run as root). */
export const rootArgs = (): string[] => (process.getuid?.() === 0 ? ['--no-sandbox'] : []);
