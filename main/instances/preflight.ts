import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, resolve } from 'node:path';
import type { InstanceOptions } from '../../shared/api/instances';
import type { BuiltCommand } from '../backends/index';

/**
 * What can be checked before spawning a local, non-docker backend: the executable can be found
 * and the model file (or models folder) exists and is readable. A missing one is a configuration
 * error: the start fails at once with the path, instead of a crash that automatic restarts would
 * repeat `max_restarts` times. Returns the reason, or null when nothing is wrong.
 */
export function preflight(cmd: BuiltCommand, options: InstanceOptions): string | null {
  if (cmd.docker) return null;
  if (!findExecutable(cmd.command, cmd.env.PATH ?? process.env.PATH ?? '')) {
    return `executable not found: ${cmd.command} (install it or set the backend's command in the config, or the instance's command_override)`;
  }
  const bo = options.backend_options;
  const str = (k: string) =>
    typeof bo[k] === 'string' && bo[k] !== '' ? (bo[k] as string) : undefined;
  if (options.backend_type === 'llama_cpp') {
    // llama-server's --model is always a file path (repositories go in hf_repo, URLs in model_url)
    const model = str('model');
    if (model) {
      const problem = checkPath(model, 'file');
      if (problem) return `model file ${problem}: ${resolve(model)}`;
    }
    const dir = str('models_dir');
    if (dir) {
      const problem = checkPath(dir, 'dir');
      if (problem) return `models_dir ${problem}: ${resolve(dir)}`;
    }
    return null;
  }
  // vLLM and MLX take a Hugging Face repository id or a local path: only a path is checked.
  const model = str('model');
  if (model && (isAbsolute(model) || /^\.\.?[/\\]/.test(model) || model.startsWith('~'))) {
    const problem = checkPath(model, 'any');
    if (problem) return `model ${problem}: ${model}`;
  }
  return null;
}

function checkPath(path: string, kind: 'file' | 'dir' | 'any'): string | null {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 'not found';
  }
  if (kind === 'file' && st.isDirectory()) return 'is a folder, not a file';
  if (kind === 'dir' && !st.isDirectory()) return 'is not a folder';
  try {
    accessSync(path, constants.R_OK);
  } catch {
    return 'not readable';
  }
  return null;
}

/** Like the system's lookup at exec: a path with a separator as it is, a bare name through PATH. */
function findExecutable(command: string, pathVar: string): boolean {
  // Windows resolves through PATHEXT and App Paths; leave that to spawn's own error.
  if (process.platform === 'win32') return true;
  const executable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/')) return executable(resolve(command));
  return pathVar
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => executable(resolve(dir, command)));
}
