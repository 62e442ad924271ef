import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app';
import { Providers } from './app/providers';
import { applyTheme, useThemeStore } from './lib/theme';
import './styles/app.css';

applyTheme(useThemeStore.getState().theme);
// follow the OS when the user chose "system"
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => applyTheme(useThemeStore.getState().theme));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Providers>
      <App />
    </Providers>
  </StrictMode>,
);
