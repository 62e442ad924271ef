import { defineConfig } from 'vitest/config';

const define = { __APP_VERSION__: JSON.stringify('test') };

/**
 * Projects: `unit` (pure, fast), `int` (real processes and ports, *.int.test.ts),
 * `renderer` (React components in jsdom), `real` (against a real llama-server; its global
 * setup builds or reuses the cached binary).
 */
export default defineConfig({
  define,
  test: {
    globals: true,
    projects: [
      {
        define,
        test: {
          name: 'unit',
          globals: true,
          environment: 'node',
          include: [
            'main/**/*.test.ts',
            'shared/**/*.test.ts',
            'e2e/fixtures/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          exclude: ['**/*.int.test.ts', 'node_modules/**', 'dist/**'],
          // a ceiling for a stuck test, not a speed target: the 5 s default fails CPU-bound
          // tests (key hashing) on a busy 2-core machine
          testTimeout: 30_000,
        },
      },
      {
        define,
        test: {
          name: 'int',
          globals: true,
          environment: 'node',
          include: ['main/**/*.int.test.ts', 'e2e/int/**/*.int.test.ts'],
          exclude: ['node_modules/**', 'dist/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        define,
        esbuild: { jsx: 'automatic' },
        test: {
          name: 'renderer',
          globals: true,
          // jsdom is pinned to 26: jsdom 27+ needs Node >= 22
          environment: 'jsdom',
          setupFiles: ['renderer/test-setup.ts'],
          include: ['renderer/**/*.test.{ts,tsx}'],
          exclude: ['node_modules/**', 'dist/**'],
          // jsdom rendering of whole pages takes seconds on a busy 2-core machine
          testTimeout: 30_000,
        },
      },
      {
        define,
        test: {
          name: 'real',
          globals: true,
          environment: 'node',
          include: ['e2e/real/**/*.test.ts'],
          globalSetup: ['e2e/real/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
