/**
 * What the renderer knows about talking to the core: a typed invoke and typed events.
 * Whether the other end is Electron IPC or the browser-mode WebSocket is decided once, at boot.
 */
import type { Channel, ChannelInput, ChannelOutput, Envelope, EventMap, EventName } from '../../../core/contract/index.js';

export type { Channel, ChannelInput, ChannelOutput, EventMap, EventName };

/** connecting: first contact; connected: calls go through; reconnecting: lost, retrying with backoff. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

export interface InvokeOptions {
  /** Aborting asks the core to cancel the call (and rejects it here with a `cancelled` error). */
  signal?: AbortSignal;
}

export interface ApiClient {
  /** Resolves with the channel's result; rejects with an AppError rebuilt from the error envelope. */
  invoke<C extends Channel>(channel: C, input: ChannelInput<C>, options?: InvokeOptions): Promise<ChannelOutput<C>>;
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void;
  connectionState(): ConnectionState;
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
  close(): void;
}

/** What the Electron preload exposes on `window.multiarchLab`, and nothing more. */
export interface PreloadBridge {
  invoke(channel: string, input: unknown): Promise<Envelope>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    multiarchLab?: PreloadBridge;
  }
}
