import { execFile } from 'node:child_process';

/**
 * Removes a named container, best effort. A SIGKILLed `docker run` client leaves its container
 * running (the signal cannot be forwarded), holding the GPU and the port; and a leftover with the
 * same name would make the next `docker run --name` fail. Errors (no such container, no docker)
 * are expected and ignored.
 */
export function removeDockerContainer(name: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve) => {
    execFile('docker', ['rm', '-f', name], { timeout: timeoutMs, windowsHide: true }, () =>
      resolve(),
    );
  });
}
