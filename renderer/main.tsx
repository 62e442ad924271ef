import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app';
import { Providers } from './app/providers';
import { prefetchJson } from './lib/api-client';
import { storedKey } from './lib/auth-store';
import { desktop } from './lib/desktop';
import { applyTheme, useThemeStore } from './lib/theme';
import './styles/app.css';

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
