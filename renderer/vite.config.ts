import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
// eslint-disable-next-line no-restricted-imports -- build config runs in Node, not in the dashboard
import { resolve } from 'node:path';

// This file runs in Node (Vite's config), not in the renderer bundle.
const root = import.meta.dirname;

// base './': asset URLs stay relative so the dashboard works under a sub-path behind a reverse
// proxy and from the desktop app's server URL alike.
export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir: resolve(root, '../dist/renderer'),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080', '/v1': 'http://127.0.0.1:8080' },
  },
});
