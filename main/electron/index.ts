import { app, dialog } from 'electron';
import { bootstrapDesktop, type DesktopModule } from './bootstrap';

// The desktop entry (package.json "main" -> dist/electron/index.js): a small bootstrap that
// takes the profile folder and the single-instance lock synchronously, then imports the app's
// code (dist/electron/desktop.js, a separate bundle) with a catch, so that a failure to load it
// is shown and the process exits instead of staying invisible.
void bootstrapDesktop({
  app,
  dialog,
  env: process.env,
  // A computed specifier keeps esbuild from inlining the app into this bundle.
  load: () => import(new URL('./desktop.js', import.meta.url).href) as Promise<DesktopModule>,
});
