/**
 * The calls a front has in flight: one AbortController per call id, so the one cancel message (or the
 * caller going away) aborts exactly that call's signal. Electron's IPC adapter and the browser-mode server
 * both run calls through here; the CLI passes its own signal and id to core.call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { AppError } from './contract/errors.js';
import type { InvokeMessage } from './contract/calls.js';
import type { Envelope } from './contract/envelope.js';
import type { CallContext, Dispatch } from './dispatch.js';

const currentCallStore = new AsyncLocalStorage<CallContext>();

/**
 * Runs `body` as the work of one call. Tasks are started deep inside domain code; rather than thread the
 * call through every layer, the task manager asks `currentCall()` which call it is working for.
 */
export function runInCall<T>(ctx: CallContext, body: () => Promise<T>): Promise<T> {
  return currentCallStore.run(ctx, body);
}

/** The call whose handler is running here, if any (none for work the core starts on its own). */
export function currentCall(): CallContext | undefined {
  return currentCallStore.getStore();
}

export class CallTracker {
  private readonly running = new Map<string, AbortController>();

  get size(): number {
    return this.running.size;
  }

  /** Starts tracking a call; undefined when a call with this id is still running (ids must be fresh). */
  begin(id: string): AbortController | undefined {
    if (this.running.has(id)) return undefined;
    const controller = new AbortController();
    this.running.set(id, controller);
    return controller;
  }

  end(id: string, controller: AbortController): void {
    if (this.running.get(id) === controller) this.running.delete(id);
  }

  /** Aborts one running call; false when no call with that id is running (already answered, or never made). */
  cancel(id: string, reason: unknown = new AppError('cancelled', 'The request was cancelled.')): boolean {
    const controller = this.running.get(id);
    if (!controller) return false;
    controller.abort(reason);
    return true;
  }

  /** Aborts every running call, e.g. when the caller went away. */
  cancelAll(reason: unknown): void {
    for (const controller of this.running.values()) controller.abort(reason);
    this.running.clear();
  }
}

/** Dispatches one invoke message as a tracked call: its signal aborts on a cancel message naming its id. */
export async function dispatchCall(dispatch: Dispatch, calls: CallTracker, message: InvokeMessage): Promise<Envelope> {
  const controller = calls.begin(message.id);
  if (!controller) {
    return {
      ok: false,
      error: { code: 'invalid-input', message: `A request with id ${JSON.stringify(message.id)} is still running.`, hint: 'Use a new id for every request.' },
    };
  }
  try {
    return await dispatch(message.channel, message.input, { signal: controller.signal, callId: message.id });
  } finally {
    calls.end(message.id, controller);
  }
}
