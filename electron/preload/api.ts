/**
 * What the preload puts on `window.multiarchLab`: the renderer's IPC client is typed by this.
 * Types only, so the renderer can import it without pulling in Node or Electron.
 */
import type { Envelope } from '../../core/contract/envelope.js';
import type { EventMap, EventName } from '../../core/contract/events.js';

/** Node's process.platform values, spelled out so the renderer needs no Node types. */
export type PreloadPlatform = 'aix' | 'android' | 'cygwin' | 'darwin' | 'freebsd' | 'haiku' | 'linux' | 'netbsd' | 'openbsd' | 'sunos' | 'win32';

export interface PreloadApi {
  /** Calls a core channel under the caller's call id; always resolves with an envelope, never rejects for an app error. */
  invoke(id: string, channel: string, input: unknown): Promise<Envelope>;
  /** Sends the contract's cancel message for a call still running: its signal in the core aborts. */
  cancel(id: string): void;
  /** Subscribes to one core event; the listener gets the payload only. Returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void;
  /** The OS the app runs on, for platform-specific wording (e.g. where Docker's socket lives). */
  readonly platform: PreloadPlatform;
}
