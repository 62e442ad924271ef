// `npm test`: checks what the tests need from the machine, builds, then runs every suite
// (Vitest projects unit, int, renderer, real; then the Playwright specs in Chromium).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const requirements = [
  {
    what: 'Chromium (browser tests)',
    test: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'),
    fix: 'apt-get install -y chromium (or set CHROMIUM_PATH)',
  },
  {
    what: 'cmake (builds the real llama-server)',
    test: () => has('cmake') || !!process.env.LLAMA_SERVER,
    fix: 'apt-get install -y cmake (or set LLAMA_SERVER=/path/to/llama-server)',
  },
  {
    what: 'g++ (builds the real llama-server)',
    test: () => has('g++') || !!process.env.LLAMA_SERVER,
    fix: 'apt-get install -y g++ (or set LLAMA_SERVER=/path/to/llama-server)',
  },
  {
    what: 'make (cmake drives the llama-server build with it)',
    test: () => has('make') || !!process.env.LLAMA_SERVER,
    fix: 'apt-get install -y make (or set LLAMA_SERVER=/path/to/llama-server)',
  },
  {
    what: 'git (unpacks the llama.cpp source bundle)',
    test: () => has('git') || !!process.env.LLAMA_SERVER,
    fix: 'apt-get install -y git',
  },
  {
    what: 'Node.js 20 or newer',
    test: () => Number(process.versions.node.split('.')[0]) >= 20,
    fix: `install Node.js 20 (this is ${process.version})`,
  },
  {
    what: 'installed dependencies',
    test: () => existsSync('node_modules/.bin/vitest'),
    fix: 'run npm ci first',
  },
];

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

const missing = requirements.filter((r) => !r.test());
if (missing.length) {
  console.error('npm test needs the following on this machine:');
  for (const m of missing) console.error(`  - ${m.what}: ${m.fix}`);
  process.exit(2);
}

function run(cmd, args) {
  console.log(`\n> ${cmd} ${args.join(' ')}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  console.log(
    `< ${cmd} ${args.join(' ')}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run('npm', ['run', 'build']);
run('npx', ['vitest', 'run']);
if (existsSync('playwright.config.ts')) run('npx', ['playwright', 'test']);
