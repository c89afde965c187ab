/**
 * The body of the one IPC handler, free of Electron run-time imports so it is unit-tested with a
 * plain event object. electron/main/ipc.ts registers it with ipcMain.
 */
import type { Dispatch } from '../../core/dispatch.js';
import type { Envelope } from '../../core/contract/envelope.js';
import { isTrustedSender, type AppWindowLike, type SenderFrame } from './security.js';

export const INVOKE_CHANNEL = 'multiarch-lab:invoke';
export const EVENT_CHANNEL = 'multiarch-lab:event';

export interface InvokeEventLike {
  readonly senderFrame: SenderFrame | null;
}

export interface InvokeHandlerOptions {
  dispatch: Dispatch;
  /** The app window, or null before it exists / after it closed. */
  getWindow: () => AppWindowLike | null;
  /** Aborted when the window that made the calls goes away, so long work stops with it. */
  getSignal: () => AbortSignal | undefined;
}

export const UNAUTHORIZED_SENDER: Envelope = {
  ok: false,
  error: {
    code: 'unauthorized',
    message: 'The request did not come from the Multiarch Lab window, so it was refused.',
    hint: 'Only the app\u2019s own page may call the core. If you see this inside the app, restart it.',
  },
};

export function createInvokeHandler(options: InvokeHandlerOptions) {
  return async (event: InvokeEventLike, channel: unknown, input: unknown): Promise<Envelope> => {
    if (!isTrustedSender(event.senderFrame, options.getWindow())) return UNAUTHORIZED_SENDER;
    const signal = options.getSignal();
    // dispatch checks the channel name and validates the input against the contract's schema
    return options.dispatch(typeof channel === 'string' ? channel : String(channel), input, signal ? { signal } : {});
  };
}
