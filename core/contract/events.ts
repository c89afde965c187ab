/** Events pushed from the core to every front. */
import type { TaskSnapshot } from './tasks.js';

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
}

export type EventName = keyof EventMap;
export const eventNames: EventName[] = ['task:update', 'engine:status', 'engine:changed'];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (eventNames as string[]).includes(name);
}
