/**
 * What the renderer knows about talking to the core: a typed invoke and typed events.
 * Whether the other end is Electron IPC or the browser-mode WebSocket is decided once, at boot.
 */
import type { Channel, ChannelInput, ChannelOutput, Envelope, EventMap, EventName } from '../../../core/contract/index.js';
import type { BuildLogLine } from '../../../core/contract/build.js';

export type { Channel, ChannelInput, ChannelOutput, EventMap, EventName };

/** connecting: first contact; connected: calls go through; reconnecting: lost, retrying with backoff. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

export interface InvokeOptions {
  /** Aborting rejects the call here at once with a `cancelled` error and sends the cancel message to the core. */
  signal?: AbortSignal;
  /**
   * The call's id (see newCallId): every task the call starts carries it as `callId`, so a view follows
   * its own task. A fresh one is made when left out.
   */
  callId?: string;
}

export interface ApiClient {
  /** Resolves with the channel's result; rejects with an AppError rebuilt from the error envelope. */
  invoke<C extends Channel>(channel: C, input: ChannelInput<C>, options?: InvokeOptions): Promise<ChannelOutput<C>>;
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void;
  connectionState(): ConnectionState;
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
  close(): void;
  /**
   * Browser mode only: the server keeps build logs (server/log-store.ts) and `build:log` events carry `tail`
   * (the log's state and newest lines); rows [start, end) of a view are fetched with this.
   */
  logRange?(taskId: string, filter: string | null, start: number, end: number): Promise<LogRangeAnswer>;
}

/** Where a log kept by the server stands, and the absolute number of the first line sent with it. */
export interface LogTailInfo {
  taskId: string;
  /** Every line received, dropped ones included. */
  total: number;
  dropped: number;
  /** Per platform ('' for none), how many lines are kept. */
  counts: Record<string, number>;
  from: number;
}

/** Rows [start, start + lines.length) of a view; `first` is the first row's absolute number when unfiltered. */
export interface LogRangeAnswer extends Omit<LogTailInfo, 'from'> {
  filter: string | null;
  start: number;
  first: number | null;
  lines: BuildLogLine[];
}

/** What the Electron preload exposes on `window.multiarchLab`, and nothing more. */
export interface PreloadBridge {
  invoke(id: string, channel: string, input: unknown): Promise<Envelope>;
  cancel(id: string): void;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    multiarchLab?: PreloadBridge;
  }
}
