import type { MenuItemConstructorOptions } from 'electron';

export interface AppMenuActions {
  showLogs(): void;
  revealDataFolder(): void;
}

/**
 * The application menu: Electron's standard role menus (docs/api/menu-item.md: appMenu,
 * fileMenu, editMenu, viewMenu, windowMenu; copy and paste work through editMenu) plus a Help
 * menu with the desktop log and the data folder. On Linux the window hides its menu bar until
 * Alt is pressed.
 */
export function appMenuTemplate(
  platform: NodeJS.Platform,
  actions: AppMenuActions,
): MenuItemConstructorOptions[] {
  const help: MenuItemConstructorOptions = {
    label: 'Help',
    // role 'help' gives macOS its Help menu search field
    ...(platform === 'darwin' ? { role: 'help' as const } : {}),
    submenu: [
      { id: 'show-logs', label: 'Show logs', click: () => actions.showLogs() },
      { id: 'data-folder', label: 'Open data folder', click: () => actions.revealDataFolder() },
    ],
  };
  const common: MenuItemConstructorOptions[] = [
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
  ];
  if (platform === 'darwin') return [{ role: 'appMenu' }, ...common, { role: 'windowMenu' }, help];
  return [...common, help];
}
