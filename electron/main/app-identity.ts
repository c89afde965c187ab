/**
 * Who the app is to the operating system. The id must equal build/electron-builder.yml's appId:
 * the nsis installer gives the Start-menu shortcut that AppUserModelID, and Windows shows
 * notifications (and groups the taskbar button) only for a process whose id matches a shortcut.
 * A unit test holds the two together. The app's name comes from package.json's productName.
 */
export const APP_ID = 'dev.multiarch-lab.app';

/** The part of Electron's `app` this needs, so a unit test can hand in a recorder. */
export interface IdentityTarget {
  setAppUserModelId(id: string): void;
}

/** Call at startup, before any window: on Windows it ties this process to its installed shortcut. */
export function applyAppIdentity(app: IdentityTarget, platform: NodeJS.Platform): void {
  if (platform === 'win32') app.setAppUserModelId(APP_ID);
}
