import { spawn, type ChildProcess } from 'node:child_process';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** set when the process could not be spawned at all (ENOENT, EACCES, ...) */
  error?: string;
}

export interface SpawnSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** receives stdout and stderr chunks in arrival order */
  onOutput: (chunk: Buffer) => void;
}

/**
 * One backend process: spawned without a shell in its own process group (detached), so a stop
 * reaches every process the backend forked (vLLM workers, wrapper scripts).
 */
export class ManagedProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | null = null;
  readonly startedAt = Date.now();

  constructor(spec: SpawnSpec) {
    this.child = spawn(spec.command, spec.args, {
      env: spec.env,
      cwd: spec.cwd,
      detached: true,
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    this.child.stdout?.on('data', spec.onOutput);
    this.child.stderr?.on('data', spec.onOutput);
    this.exited = new Promise<ExitInfo>((resolve) => {
      this.child.once('error', (err: NodeJS.ErrnoException) => {
        // 'error' without a pid means the spawn itself failed and no 'exit' will follow.
        if (this.child.pid === undefined) {
          this.exitInfo = {
            code: null,
            signal: null,
            error: describeSpawnError(spec.command, err),
          };
          resolve(this.exitInfo);
        }
      });
      this.child.once('exit', (code, signal) => {
        this.exitInfo ??= { code, signal };
        // Leftover members of the group (forked workers) die with the leader; they could
        // otherwise hold the port or keep our pipes open forever.
        this.killGroup('SIGKILL');
        const info = this.exitInfo;
        // Wait briefly for 'close' so the log holds the last output before the exit is reported.
        const t = setTimeout(() => resolve(info), 1000);
        this.child.once('close', () => {
          clearTimeout(t);
          resolve(info);
        });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitInfo !== null;
  }

  /** Signals the whole process group; false when nothing was there to signal. */
  killGroup(signal: NodeJS.Signals): boolean {
    const pid = this.child.pid;
    if (pid === undefined) return false;
    try {
      process.kill(process.platform === 'win32' ? pid : -pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** SIGTERM to the group, wait up to `graceMs`, then SIGKILL; always waits for the exit. */
  async stop(graceMs: number): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    this.killGroup('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>(
      (r) => (timer = setTimeout(() => r('timeout'), graceMs)),
    );
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (first === 'timeout') this.killGroup('SIGKILL');
    return this.exited;
  }
}

export function describeSpawnError(command: string, err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') {
    // The desktop app adds the login shell's PATH at start (main/electron/environment.ts), but
    // a shell that could not be read leaves a GUI launch with the OS's minimal PATH.
    return (
      `executable not found: ${command} (install it or set the backend's command in the config, or the instance's command_override` +
      (command.includes('/')
        ? ')'
        : '; an app started from the Dock, Finder or a desktop launcher does not see the PATH of your shell, so use the full path, e.g. backends.llama-cpp.command: /opt/homebrew/bin/llama-server)')
    );
  }
  if (err.code === 'EACCES') return `permission denied executing ${command}`;
  if (err.code === 'ERR_INVALID_ARG_VALUE' || err.code === 'ERR_INVALID_ARG_TYPE') {
    // Node's message ends with the offending value, which may be a secret: keep the rule only.
    return `cannot pass the command line of ${command} to the system: ${err.message.replace(/\. Received[\s\S]*$/, '')}`;
  }
  return `failed to spawn ${command}: ${err.message}`;
}

export function describeExit(e: ExitInfo): string {
  if (e.error) return e.error;
  if (e.signal) return `killed by signal ${e.signal}`;
  return `exited with code ${e.code}`;
}
