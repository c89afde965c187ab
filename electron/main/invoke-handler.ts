/**
 * The bodies of the two IPC handlers (invoke a call, cancel a call), free of Electron run-time imports
 * so they are unit-tested with plain event objects. electron/main/ipc.ts registers them with ipcMain.
 */
import type { CallTracker } from '../../core/calls.js';
import { dispatchCall } from '../../core/calls.js';
import { CancelMessage, InvokeMessage } from '../../core/contract/calls.js';
import type { Dispatch } from '../../core/dispatch.js';
import type { Envelope } from '../../core/contract/envelope.js';
import { isTrustedSender, type AppWindowLike, type SenderFrame } from './security.js';

export const INVOKE_CHANNEL = 'multiarch-lab:invoke';
export const CANCEL_CHANNEL = 'multiarch-lab:cancel';
export const EVENT_CHANNEL = 'multiarch-lab:event';

export interface InvokeEventLike {
  readonly senderFrame: SenderFrame | null;
}

export interface InvokeHandlerOptions {
  dispatch: Dispatch;
  /** The app window, or null before it exists / after it closed. */
  getWindow: () => AppWindowLike | null;
  /** The window's calls in flight: one AbortController each, all aborted when the window goes away. */
  calls: CallTracker;
}

export const UNAUTHORIZED_SENDER: Envelope = {
  ok: false,
  error: {
    code: 'unauthorized',
    message: 'The request did not come from the Multiarch Lab window, so it was refused.',
    hint: 'Only the app\u2019s own page may call the core. If you see this inside the app, restart it.',
  },
};

/** Answers one invoke message ({type:'invoke', id, channel, input}) with an envelope; never throws. */
export function createInvokeHandler(options: InvokeHandlerOptions) {
  return async (event: InvokeEventLike, message: unknown): Promise<Envelope> => {
    if (!isTrustedSender(event.senderFrame, options.getWindow())) return UNAUTHORIZED_SENDER;
    const parsed = InvokeMessage.safeParse(message);
    if (!parsed.success) {
      return {
        ok: false,
        error: {
          code: 'invalid-input',
          message: `The request is not a valid call: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ')}`,
        },
      };
    }
    // dispatch checks the channel name and validates the input against the contract's schema
    return dispatchCall(options.dispatch, options.calls, parsed.data);
  };
}

/** Handles the one cancel message ({type:'cancel', id}): aborts that call of the app window, if it still runs. */
export function createCancelHandler(options: Pick<InvokeHandlerOptions, 'getWindow' | 'calls'>) {
  return (event: InvokeEventLike, message: unknown): boolean => {
    if (!isTrustedSender(event.senderFrame, options.getWindow())) return false;
    const parsed = CancelMessage.safeParse(message);
    return parsed.success && options.calls.cancel(parsed.data.id);
  };
}
