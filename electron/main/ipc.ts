/**
 * The Electron IPC adapter over the core's dispatch: the only file that touches ipcMain.
 * One invoke channel for every call, one event channel for everything the core publishes.
 */
import { ipcMain, type BrowserWindow } from 'electron';
import type { Core } from '../../core/app.js';
import { EVENT_CHANNEL, INVOKE_CHANNEL, createInvokeHandler } from './invoke-handler.js';
import { isAppUrl } from './security.js';

export interface IpcBinding {
  /** Points the adapter at a (new) app window; calls from the previous one are cancelled. */
  attachWindow(window: BrowserWindow): void;
  dispose(): void;
}

export function bindIpc(core: Core): IpcBinding {
  let window: BrowserWindow | null = null;
  let calls = new AbortController();

  const cancelCalls = (why: string) => {
    calls.abort(new Error(why));
    calls = new AbortController();
  };

  ipcMain.handle(
    INVOKE_CHANNEL,
    createInvokeHandler({
      dispatch: core.dispatch,
      getWindow: () => window,
      getSignal: () => calls.signal,
    }),
  );

  const stopEvents = core.events.onAny((name, payload) => {
    if (!window || window.isDestroyed()) return;
    const contents = window.webContents;
    // events go only to the app's own page, never to whatever else a frame might show
    if (contents.isDestroyed() || !isAppUrl(contents.getURL())) return;
    contents.send(EVENT_CHANNEL, name, payload);
  });

  return {
    attachWindow(next) {
      cancelCalls('the previous window was replaced');
      window = next;
      const contents = next.webContents;
      // a reload or a crashed renderer leaves nobody to receive the answers: stop the work
      contents.on('did-start-navigation', (details) => {
        if (details.isMainFrame && !details.isSameDocument) cancelCalls('the window reloaded');
      });
      contents.on('render-process-gone', () => cancelCalls('the window crashed'));
      next.on('closed', () => {
        if (window === next) window = null;
        cancelCalls('the window closed');
      });
    },
    dispose() {
      stopEvents();
      ipcMain.removeHandler(INVOKE_CHANNEL);
      cancelCalls('the app is quitting');
    },
  };
}
