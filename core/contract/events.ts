/** Events pushed from the core to every front. */
import type { TaskSnapshot } from './tasks.js';
import type { BuildLogEvent, BuildProgressEvent } from './build.js';

export interface EngineStatusEvent {
  reachable: boolean;
  endpoint?: string;
  message?: string;
}

export interface EventMap {
  /** A task started, moved, or ended. */
  'task:update': TaskSnapshot;
  /** The engine became reachable or unreachable. */
  'engine:status': EngineStatusEvent;
  /** Something in the engine changed (container, volume, image): views refetch, debounced. */
  'engine:changed': { type: string; action: string; name?: string };
  /** Log lines of a running build, in small batches. */
  'build:log': BuildLogEvent;
  /** The per-platform state of a running build (throttled). */
  'build:progress': BuildProgressEvent;
}

export type EventName = keyof EventMap;
export const eventNames: EventName[] = ['task:update', 'engine:status', 'engine:changed', 'build:log', 'build:progress'];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (eventNames as string[]).includes(name);
}

/** One event as it travels to a front: its name and payload. */
export type EventEnvelope = { [E in EventName]: { event: E; payload: EventMap[E] } }[EventName];
