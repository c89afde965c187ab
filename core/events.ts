import type { EventMap, EventName } from './contract/events.js';

export type EventListener<E extends EventName> = (payload: EventMap[E]) => void;
export type AnyEventListener = <E extends EventName>(event: E, payload: EventMap[E]) => void;

/** A tiny typed event bus; fronts subscribe with `onAny` and forward to their clients. */
export class EventBus {
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  private readonly anyListeners = new Set<AnyEventListener>();

  on<E extends EventName>(event: E, listener: EventListener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const wrapped = listener as (payload: unknown) => void;
    set.add(wrapped);
    return () => set.delete(wrapped);
  }

  onAny(listener: AnyEventListener): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  emit<E extends EventName>(event: E, payload: EventMap[E]): void {
    for (const l of this.listeners.get(event) ?? []) safeCall(() => l(payload));
    for (const l of this.anyListeners) safeCall(() => l(event, payload));
  }
}

function safeCall(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    // A broken listener must not stop the others or the task that emitted.
    console.error('[multiarch-lab] event listener failed:', error);
  }
}
