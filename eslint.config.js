import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const electronOnly = {
  paths: [
    {
      name: 'electron',
      message:
        'Only main/electron/** may import electron (it downloads a binary outside Electron).',
    },
  ],
};

export default tseslint.config(
  {
    ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-output/**', 'playwright-report/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-imports': ['error', electronOnly],
    },
  },
  {
    // Boundary: shared is pure TypeScript + zod, importable by server and renderer alike.
    files: ['shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...electronOnly,
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'child_process', 'http', 'crypto'],
              message: 'shared/ must not use Node APIs.',
            },
            {
              group: ['**/main/**', '**/renderer/**', '**/preload/**', 'express', 'react'],
              message: 'shared/ imports nothing from other folders.',
            },
          ],
        },
      ],
    },
  },
  {
    // Boundary: services never import Express nor see an HTTP exchange (request and response
    // objects); only server/ is transport. Services take plain values and return results.
    files: ['main/**/*.ts'],
    // cli.ts and testing/ are composition roots that wire services to the server.
    ignores: ['main/server/**', 'main/electron/**', 'main/cli.ts', 'main/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...electronOnly.paths,
            ...['node:http', 'http', 'node:http2', 'http2'].map((name) => ({
              name,
              importNames: [
                'IncomingMessage',
                'ServerResponse',
                'Http2ServerRequest',
                'Http2ServerResponse',
              ],
              message:
                'Only main/server touches request and response objects; take plain values and return results.',
            })),
          ],
          patterns: [
            {
              group: ['express', '**/server/**'],
              message: 'Services never import Express or the server layer.',
            },
          ],
        },
      ],
      // `import http from 'node:http'` then `http.IncomingMessage` passes the import rule.
      'no-restricted-syntax': [
        'error',
        ...['TSQualifiedName > Identifier.right', 'MemberExpression > Identifier.property'].map(
          (node) => ({
            selector: `${node}[name=/^(IncomingMessage|ServerResponse|Http2ServerRequest|Http2ServerResponse)$/]`,
            message:
              'Only main/server touches request and response objects; take plain values and return results.',
          }),
        ),
      ],
    },
  },
  {
    files: ['main/electron/**/*.ts', 'preload/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Boundary: the renderer talks to main over HTTP only.
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          ...electronOnly,
          patterns: [
            {
              group: ['**/main/**', 'node:*'],
              message: 'The renderer uses the HTTP API, not main-process code.',
            },
          ],
        },
      ],
    },
  },
);
