// `npm test` (`node scripts/test.mjs`): makes sure the machine has what the tests need (installing missing Debian/Ubuntu
// packages in one apt run when it may), then runs every check: typecheck, lint, format check,
// build, the Vitest projects (unit, int, renderer, real) and the Playwright specs in Chromium.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveLlamaServer = !!process.env.LLAMA_SERVER;

/** What the tests need from the machine; `apt` names the Debian package that provides it. */
const requirements = [
  {
    what: 'Chromium (browser tests)',
    test: () => existsSync(chromium),
    apt: 'chromium',
    fix: 'or set CHROMIUM_PATH',
  },
  {
    what: 'cmake (builds the real llama-server)',
    test: () => haveLlamaServer || has('cmake'),
    apt: 'cmake',
    fix: 'or set LLAMA_SERVER=/path/to/llama-server',
  },
  {
    what: 'g++ (builds the real llama-server)',
    test: () => haveLlamaServer || has('g++'),
    apt: 'g++',
    fix: 'or set LLAMA_SERVER=/path/to/llama-server',
  },
  {
    what: 'make (cmake drives the llama-server build with it)',
    test: () => haveLlamaServer || has('make'),
    apt: 'make',
    fix: 'or set LLAMA_SERVER=/path/to/llama-server',
  },
  {
    what: 'git (unpacks the llama.cpp source bundle)',
    test: () => haveLlamaServer || has('git'),
    apt: 'git',
    fix: '',
  },
];

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function fail(lines) {
  console.error(lines.join('\n'));
  process.exit(2);
}

if (!existsSync('node_modules/.bin/vitest'))
  fail(['npm test needs the dependencies: run npm ci first.']);
const { default: semver } = await import('semver');
const { engines } = JSON.parse(readFileSync('package.json', 'utf8'));
if (!semver.satisfies(process.version, engines.node))
  fail([`npm test needs Node.js ${engines.node} (this is ${process.version}).`]);

const missing = requirements.filter((r) => !r.test());
if (missing.length) {
  const packages = [...new Set(missing.map((m) => m.apt))];
  const aptCmd = ['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...packages];
  const asRoot = process.getuid?.() === 0;
  const sudoOk =
    !asRoot && has('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  const canInstall = has('apt-get') && (asRoot || sudoOk);
  console.log(`npm test needs: ${missing.map((m) => m.what).join('; ')}.`);
  if (canInstall) {
    console.log(`Installing ${packages.join(' ')} with apt-get (one run).`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    // As root directly, otherwise through sudo -n (never a password prompt).
    const admin = (args) => {
      const [cmd, ...rest] = asRoot ? args : ['sudo', '-n', ...args];
      return spawnSync(cmd, rest, { stdio: 'inherit', env }).status === 0;
    };
    if (!(admin(['apt-get', 'update', '-q']) && admin(aptCmd)))
      fail([
        'apt-get could not install them; install them yourself:',
        `  sudo ${aptCmd.join(' ')}`,
      ]);
    const still = requirements.filter((r) => !r.test());
    if (still.length)
      fail([`still missing after apt-get: ${still.map((m) => `${m.what} (${m.fix})`).join('; ')}`]);
  } else {
    fail([
      'Install them with:',
      `  sudo ${aptCmd.join(' ')}`,
      ...missing.filter((m) => m.fix).map((m) => `  (${m.what}: ${m.fix})`),
    ]);
  }
}

// `--setup`: only the machine check and the package install (CI runs it before building
// llama-server, which needs cmake and g++).
if (process.argv.includes('--setup')) process.exit(0);

function run(cmd, args) {
  console.log(`\n> ${cmd} ${args.join(' ')}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  console.log(
    `< ${cmd} ${args.join(' ')}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
run('npx', ['eslint', '.']);
run('npx', ['prettier', '--check', '.']);
run('npm', ['run', 'build']);
run('npx', ['vitest', 'run']);
run('npx', ['playwright', 'test']);
