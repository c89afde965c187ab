import { AppError, deserializeError } from '../../../core/contract/errors.js';
import type { ApiClient, ConnectionState, PreloadBridge } from './types.js';

/** The Electron front: the preload's bridge is always there while the window lives. */
export function createIpcClient(bridge: PreloadBridge): ApiClient {
  const state: ConnectionState = 'connected';
  return {
    async invoke(channel, input, options) {
      if (options?.signal?.aborted) throw new AppError('cancelled', 'The request was cancelled.');
      const envelope = await bridge.invoke(channel, input);
      if (!envelope || typeof envelope !== 'object') throw new AppError('internal', `The app answered ${channel} with something that is not a result.`);
      if (envelope.ok) return envelope.result as never;
      throw deserializeError(envelope.error);
    },
    on(event, listener) {
      return bridge.on(event, (payload) => listener(payload as never));
    },
    connectionState: () => state,
    onConnectionChange: () => () => undefined,
    close: () => undefined,
  };
}
