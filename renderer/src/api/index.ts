import { createIpcClient } from './ipc-client.js';
import { createWsClient, type EarlySocket } from './ws-client.js';
import type { ApiClient } from './types.js';

export type { ApiClient, ConnectionState, InvokeOptions, PreloadBridge } from './types.js';
export { createIpcClient } from './ipc-client.js';
export { createWsClient, connectionLostError, type EarlySocket, type SocketLike, type WsClientOptions } from './ws-client.js';

/** The WebSocket endpoint of the server that served this page. */
export function webSocketUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

/** Chosen once at boot: the Electron preload when present, otherwise the browser-mode server. */
export function createApiClient(): ApiClient {
  if (window.multiarchLab) return createIpcClient(window.multiarchLab);
  // the socket renderer/public/early-socket.js opened while this bundle loaded, when there is one
  const early = (window as { __multiarchLabEarly?: EarlySocket }).__multiarchLabEarly;
  return createWsClient(early ? { url: webSocketUrl(window.location), early } : { url: webSocketUrl(window.location) });
}
