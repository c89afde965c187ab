import { AppError, deserializeError } from '../../../core/contract/errors.js';
import { newCallId } from '../../../core/contract/call-id.js';
import type { ApiClient, ConnectionState, PreloadBridge } from './types.js';

function cancelledHere(): AppError {
  return new AppError('cancelled', 'The request was cancelled.');
}

/** The Electron front: the preload's bridge is always there while the window lives. */
export function createIpcClient(bridge: PreloadBridge): ApiClient {
  const state: ConnectionState = 'connected';
  return {
    invoke(channel, input, options) {
      const signal = options?.signal;
      if (signal?.aborted) return Promise.reject(cancelledHere());
      const id = options?.callId ?? newCallId();
      return new Promise((resolve, reject) => {
        let settled = false;
        // The caller learns at once; the core hears the cancel message and stops the call's work.
        const onAbort = () => {
          if (settled) return;
          settled = true;
          bridge.cancel(id);
          reject(cancelledHere());
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        bridge.invoke(id, channel, input).then(
          (envelope) => {
            signal?.removeEventListener('abort', onAbort);
            if (settled) return;
            settled = true;
            if (!envelope || typeof envelope !== 'object') reject(new AppError('internal', `The app answered with something that is not a result.`));
            else if (envelope.ok) resolve(envelope.result as never);
            else reject(deserializeError(envelope.error));
          },
          (error: unknown) => {
            signal?.removeEventListener('abort', onAbort);
            if (settled) return;
            settled = true;
            reject(error instanceof AppError ? error : new AppError('internal', `The request did not reach the app: ${error instanceof Error ? error.message : String(error)}`));
          },
        );
      });
    },
    on(event, listener) {
      return bridge.on(event, (payload) => listener(payload as never));
    },
    connectionState: () => state,
    onConnectionChange: () => () => undefined,
    close: () => undefined,
  };
}
