// `npm start` (after `npm run build`): the desktop app where it can run; otherwise the same
// server headless in the foreground, saying why. Signals are passed on so Ctrl-C stops every
// instance cleanly in either mode.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary, headlessReason } from './electron-binary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const reason = headlessReason(root);

let child;
if (reason) {
  process.stdout.write(
    `llamactl: not starting the desktop app: ${reason}.\n` +
      'llamactl: running the same server headless instead (as `npm run serve`); open the dashboard URL below in a browser.\n',
  );
  child = spawn(
    process.execPath,
    [join(root, 'dist', 'main', 'cli.js'), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
} else {
  const env = { ...process.env };
  // Set by some tools (and VS Code tasks); it would make Electron behave as plain Node.
  delete env.ELECTRON_RUN_AS_NODE;
  child = spawn(findElectronBinary(root), [root, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env,
  });
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
