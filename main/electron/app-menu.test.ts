import type { MenuItemConstructorOptions } from 'electron';
import { appMenuTemplate } from './app-menu';

function helpItems(menu: MenuItemConstructorOptions[]) {
  const help = menu.find((m) => m.label === 'Help');
  return (help?.submenu ?? []) as MenuItemConstructorOptions[];
}

describe('appMenuTemplate', () => {
  it('has Show logs and Open data folder under Help on every platform', () => {
    for (const platform of ['darwin', 'linux'] as const) {
      const calls: string[] = [];
      const menu = appMenuTemplate(platform, {
        showLogs: () => calls.push('logs'),
        revealDataFolder: () => calls.push('data'),
      });
      for (const item of helpItems(menu)) (item.click as () => void)();
      expect(calls).toEqual(['logs', 'data']);
    }
  });

  it("keeps the standard menus, with macOS's app and window menus", () => {
    const actions = { showLogs() {}, revealDataFolder() {} };
    expect(appMenuTemplate('darwin', actions).map((m) => m.role ?? m.label)).toEqual([
      'appMenu',
      'fileMenu',
      'editMenu',
      'viewMenu',
      'windowMenu',
      'help',
    ]);
    expect(appMenuTemplate('linux', actions).map((m) => m.role ?? m.label)).toEqual([
      'fileMenu',
      'editMenu',
      'viewMenu',
      'Help',
    ]);
  });
});
