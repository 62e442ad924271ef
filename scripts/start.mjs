// `npm start` (after `npm run build`): runs the app. For now that is the headless server in the
// foreground; the desktop issue turns this into the Electron app. Signals are passed on so
// Ctrl-C stops the server cleanly (it stops its instances and exits 0).
import { spawn } from 'node:child_process';

const child = spawn(process.execPath, ['dist/main/cli.js', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
