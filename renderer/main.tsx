import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { config as zodConfig } from 'zod/v4/core';
import { App } from './app/app';
import { Providers } from './app/providers';
import { prefetchJson } from './lib/api-client';
import { storedKey } from './lib/auth-store';
import { desktop } from './lib/desktop';
import { applyTheme, useThemeStore } from './lib/theme';
import './styles/app.css';
import './styles/status.css';

// Zod probes `new Function` before its first object parse; the dashboard's CSP forbids eval and
// reports the probe as a violation even though Zod catches the error. Jitless skips the probe.
zodConfig({ jitless: true });

applyTheme(useThemeStore.getState().theme);
// follow the OS when the user chose "system"
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () =>
  applyTheme(useThemeStore.getState().theme),
);

// a browser with a remembered key: ask for the instance list now, while React starts
if (!desktop() && storedKey() !== null) prefetchJson('/instances', storedKey());

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Providers>
      <App />
    </Providers>
  </StrictMode>,
);
