import { spawn } from 'node:child_process';

export interface ProbeResult {
  ok: boolean;
  /** stdout then stderr */
  output: string;
  /** why it did not run or failed */
  error?: string;
}

/**
 * Runs `<exe> <args>` (argv only, own process group, killed as a group at the deadline) and
 * collects its output. Never rejects: a missing or broken binary is a result, not an exception.
 */
export function probe(
  exe: string,
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs: number,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    let settled = false;
    const finish = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    let child;
    try {
      child = spawn(exe, args, {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
    } catch (e) {
      resolve({ ok: false, output: '', error: (e as Error).message });
      return;
    }
    const collect = (into: Buffer[]) => (b: Buffer) => {
      if (size > 256 * 1024) return;
      into.push(b);
      size += b.length;
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined && process.platform !== 'win32')
          process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'ENOENT'
          ? 'not found'
          : e.code === 'EACCES'
            ? 'not executable (check its permissions)'
            : e.message;
      finish({ ok: false, output: '', error: why });
    });
    child.on('close', (code, signal) => {
      const output = Buffer.concat([...out, ...err]).toString('utf8');
      if (timedOut)
        return finish({ ok: false, output, error: `did not answer within ${timeoutMs / 1000} s` });
      if (code !== 0) {
        const tail = output.trim().split('\n').slice(-3).join(' / ');
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        return finish({ ok: false, output, error: tail ? `${how}: ${tail}` : how });
      }
      finish({ ok: true, output });
    });
  });
}

/**
 * The version line of `llama-server --version` (llama.cpp prints "version: 6123 (a1b2c3d)" and
 * "built with ..." on stderr) and the build as a release tag.
 */
export function parseVersion(output: string): { version?: string; build?: string } {
  const line = output.split('\n').find((l) => /^version:/i.test(l.trim()));
  if (!line) {
    const first = output.trim().split('\n')[0]?.trim();
    return first ? { version: first.slice(0, 200) } : {};
  }
  const version = line.trim();
  const m = /^version:\s*(\d+)/i.exec(version);
  return m ? { version, build: `b${m[1]}` } : { version };
}

/**
 * Device lines of `llama-server --list-devices`: the indented lines after "Available devices:"
 * (e.g. "Vulkan0: NVIDIA GeForce RTX 3060 (12288 MiB, 11000 MiB free)").
 */
export function parseDevices(output: string): string[] {
  const lines = output.split('\n');
  const at = lines.findIndex((l) => /available devices/i.test(l));
  if (at === -1) return [];
  const out: string[] = [];
  for (const l of lines.slice(at + 1)) {
    const t = l.trim();
    if (!t) continue;
    if (!/^\s/.test(l)) break;
    if (t === '(none)') continue;
    out.push(t);
  }
  return out;
}
