import { spawn } from 'node:child_process';
import { AppError } from '../../shared/errors';
import type { AppConfig } from '../config/schema';
import { llamaHelperCommand, type LlamaHelper } from './command';

const WHAT: Record<LlamaHelper, string> = {
  help: 'get help',
  version: 'get version',
  devices: 'list devices',
};

export interface HelperRunOptions {
  /** default 15 s: `--list-devices` initialises GPU drivers, which can take a few seconds */
  timeoutMs?: number;
  /** output kept (stdout and stderr combined); the rest is dropped */
  maxBytes?: number;
  env?: Record<string, string | undefined>;
}

function missingMessage(which: LlamaHelper, command: string, docker: boolean): string {
  if (docker)
    return (
      `Failed to ${WHAT[which]}: the 'docker' executable is missing (docker mode is on for llama.cpp). ` +
      'Install Docker, or set backends.llama-cpp.docker.enabled to false to run llama-server directly.'
    );
  return (
    `Failed to ${WHAT[which]}: the llama-server executable '${command}' is missing (not found on PATH). ` +
    'Install llama.cpp (macOS: brew install llama.cpp; others: a release from https://github.com/ggml-org/llama.cpp), ' +
    'or set backends.llama-cpp.command in the config (or the LLAMACTL_LLAMACPP_COMMAND variable) to the full path of llama-server ' +
    '(an app started from the Dock, Finder or a desktop launcher does not see the PATH of your shell).'
  );
}

/**
 * Runs `llama-server --help|--version|--list-devices` with the configured command (docker-aware),
 * argv only, in its own process group, killed as a group after the timeout. Resolves with
 * stdout followed by stderr, as llamactl returns both.
 */
export function runLlamaHelper(
  which: LlamaHelper,
  config: AppConfig,
  opts: HelperRunOptions = {},
): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const maxBytes = opts.maxBytes ?? 1024 * 1024;
  const cmd = llamaHelperCommand(which, config, opts.env ?? process.env);
  return new Promise((resolve, reject) => {
    let size = 0;
    let timedOut = false;
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const child = spawn(cmd.command, cmd.args, {
      env: cmd.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    // stdout then stderr: two pipes have no common order, so interleaving would be arbitrary
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const collect = (into: Buffer[]) => (b: Buffer) => {
      if (size >= maxBytes) return;
      const part = b.subarray(0, maxBytes - size);
      into.push(part);
      size += part.length;
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    const killGroup = () => {
      try {
        if (child.pid !== undefined && process.platform !== 'win32')
          process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    child.on('error', (err: NodeJS.ErrnoException) => {
      done(() => {
        if (err.code === 'ENOENT')
          reject(new AppError('command_not_found', missingMessage(which, cmd.command, cmd.docker)));
        else if (err.code === 'EACCES')
          reject(
            new AppError(
              'command failed',
              `Failed to ${WHAT[which]}: '${cmd.command}' is not executable (check its permissions)`,
            ),
          );
        else reject(new AppError('command failed', `Failed to ${WHAT[which]}: ${err.message}`));
      });
    });
    child.on('close', (code, signal) => {
      done(() => {
        const output = Buffer.concat([...out, ...err]).toString('utf8');
        if (timedOut) {
          reject(
            new AppError(
              'command_timeout',
              `Failed to ${WHAT[which]}: '${cmd.command}' did not finish within ${timeoutMs / 1000} s`,
            ),
          );
        } else if (code !== 0) {
          const tail = output.trim().split('\n').slice(-10).join('\n');
          const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
          reject(
            new AppError(
              'command failed',
              `Failed to ${WHAT[which]}: '${cmd.command}' ${how}${tail ? `: ${tail}` : ''}`,
            ),
          );
        } else {
          resolve(output);
        }
      });
    });
  });
}
