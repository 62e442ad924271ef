import type { MessageBoxOptions } from 'electron';

/**
 * What closing the window and starting up do, given the preferences and whether a tray icon
 * can be seen at all (see status-notifier.ts). Without a visible tray, hiding the window would
 * leave the app and its endpoint running with no way back to them, so the user is asked.
 */
export type CloseAction = 'hide' | 'quit' | 'ask';

export function closeAction(o: { closeToTray: boolean; trayVisible: boolean }): CloseAction {
  if (!o.closeToTray) return 'quit';
  return o.trayVisible ? 'hide' : 'ask';
}

/** Start in the tray only where the tray can be seen; otherwise the app would be unreachable. */
export function startHidden(o: {
  hiddenArg: boolean;
  openedAtLogin: boolean;
  startMinimized: boolean;
  trayVisible: boolean;
}): boolean {
  if (!o.trayVisible) return false;
  return o.hiddenArg || o.openedAtLogin || o.startMinimized;
}

export type CloseChoice = 'quit' | 'keep' | 'cancel';
const CHOICES: readonly CloseChoice[] = ['quit', 'keep', 'cancel'];

/** The question asked when the window is closed and no tray icon can be seen. */
export function closePrompt(endpointUrl: string): {
  options: MessageBoxOptions;
  choice(response: number): CloseChoice;
} {
  return {
    options: {
      type: 'question',
      buttons: ['Quit', 'Keep the endpoint running', 'Cancel'],
      defaultId: 0,
      cancelId: 2,
      title: 'Quit Llamactl?',
      message: 'Quit Llamactl?',
      detail:
        'This desktop shows no tray icons, so Llamactl cannot stay in the tray. ' +
        'Quit stops every instance and the endpoint. ' +
        `Keep the endpoint running closes the window and leaves ${endpointUrl} up; ` +
        'open Llamactl again from your applications menu to get the window back. ' +
        'On GNOME, the "AppIndicator and KStatusNotifierItem Support" extension adds tray icons.',
      noLink: true,
    },
    choice: (response) => CHOICES[response] ?? 'cancel',
  };
}

/** Shown once the window is gone and the app keeps running without a tray icon. */
export function keptRunningNotification(endpointUrl: string): { title: string; body: string } {
  return {
    title: 'Llamactl is still running',
    body: `The endpoint ${endpointUrl} stays up. Open Llamactl again from your applications menu to show the window.`,
  };
}
