/**
 * The IPC adapter's life cycle, free of Electron run-time imports so it is unit-tested with a fake
 * ipcMain and a fake window: which handlers exist, where core events go, and when the window's calls
 * are cancelled. electron/main/ipc.ts hands it the real ipcMain.
 */
import { CallTracker } from '../../core/calls.js';
import { AppError } from '../../core/contract/errors.js';
import type { Dispatch } from '../../core/dispatch.js';
import type { EventBus } from '../../core/events.js';
import { CANCEL_CHANNEL, EVENT_CHANNEL, INVOKE_CHANNEL, createCancelHandler, createInvokeHandler, type InvokeEventLike } from './invoke-handler.js';
import { isAppUrl, type AppWindowLike } from './security.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- Electron's listeners take many argument lists; these shapes only name what is used */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: any[]) => unknown): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: InvokeEventLike, ...args: any[]) => void): unknown;
  removeListener(channel: string, listener: (...args: any[]) => void): unknown;
}

export interface BoundWebContentsLike {
  readonly mainFrame: AppWindowLike['webContents']['mainFrame'];
  isDestroyed(): boolean;
  getURL(): string;
  send(channel: string, ...args: any[]): void;
  on(event: string, listener: (...args: any[]) => void): unknown;
}

export interface BoundWindowLike {
  isDestroyed(): boolean;
  readonly webContents: BoundWebContentsLike;
  on(event: string, listener: (...args: any[]) => void): unknown;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface IpcBinding {
  /** Points the adapter at a (new) app window; calls from the previous one are cancelled. */
  attachWindow(window: BoundWindowLike): void;
  dispose(): void;
}

export function createIpcBinding(ipc: IpcMainLike, core: { dispatch: Dispatch; events: EventBus }): IpcBinding {
  let window: BoundWindowLike | null = null;
  const calls = new CallTracker();
  const cancelCalls = (why: string) => calls.cancelAll(new AppError('cancelled', `The request was cancelled: ${why}.`));
  const getWindow = () => window;

  ipc.handle(INVOKE_CHANNEL, createInvokeHandler({ dispatch: core.dispatch, getWindow, calls }));
  const onCancel = createCancelHandler({ getWindow, calls });
  ipc.on(CANCEL_CHANNEL, onCancel);

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
      // A navigation that committed (a reload, or a new page) leaves nobody to receive the answers. Not
      // did-start-navigation: it fires before will-navigate refuses a navigation, and a refused one changes nothing.
      // did-navigate is only sent for the main frame's cross-document navigations.
      contents.on('did-navigate', () => {
        if (window === next) cancelCalls('the window navigated away');
      });
      contents.on('render-process-gone', () => {
        if (window === next) cancelCalls('the window crashed');
      });
      contents.on('destroyed', () => {
        if (window === next) cancelCalls('the window closed');
      });
      next.on('closed', () => {
        if (window !== next) return;
        window = null;
        cancelCalls('the window closed');
      });
    },
    dispose() {
      stopEvents();
      ipc.removeHandler(INVOKE_CHANNEL);
      ipc.removeListener(CANCEL_CHANNEL, onCancel);
      cancelCalls('the app is quitting');
    },
  };
}
