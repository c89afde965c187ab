import type { StateCreator } from 'zustand';
import type { TaskSnapshot } from '../../../core/contract/index.js';
import type { ApiClient } from '../api/types.js';
import type { StoreState, TasksSlice } from './types.js';

/** How long a finished, successful task stays in the indicator; failures stay until dismissed. */
export const SUCCEEDED_TASK_LINGER_MS = 5000;

/** Newer snapshots win; an older event arriving late must not roll a finished task back to running. */
export function mergeTask(current: TaskSnapshot | undefined, next: TaskSnapshot): TaskSnapshot {
  if (!current) return next;
  if (current.state !== 'running' && next.state === 'running') return current;
  return next;
}

/** The task a call started: the core stamps the call's id on it. The newest wins if a call started several. */
export function taskOfCall(tasks: Record<string, TaskSnapshot>, callId: string | null): TaskSnapshot | undefined {
  if (callId === null) return undefined;
  let found: TaskSnapshot | undefined;
  for (const t of Object.values(tasks)) {
    if (t.callId === callId && (!found || t.startedAt >= found.startedAt)) found = t;
  }
  return found;
}

export const createTasksSlice =
  (api: ApiClient): StateCreator<StoreState, [], [], TasksSlice> =>
  (set, get) => ({
    tasks: {},
    applyTaskUpdate: (task) => {
      const merged = mergeTask(get().tasks[task.id], task);
      set({ tasks: { ...get().tasks, [task.id]: merged } });
      if (merged.state === 'succeeded') setTimeout(() => get().dismissTask(task.id), SUCCEEDED_TASK_LINGER_MS);
    },
    loadTasks: async () => {
      try {
        const list = await api.invoke('tasks:list', {});
        const tasks: Record<string, TaskSnapshot> = {};
        // Only what is still going on: old finished tasks are history, not news.
        for (const t of list) if (t.state === 'running') tasks[t.id] = t;
        set({ tasks });
      } catch {
        // Events keep the list current once connected.
      }
    },
    cancelTask: async (id) => {
      try {
        await api.invoke('tasks:cancel', { id });
      } catch {
        // The task's own update event reports how it ended.
      }
    },
    dismissTask: (id) => {
      if (!(id in get().tasks)) return;
      const rest = { ...get().tasks };
      delete rest[id];
      set({ tasks: rest });
    },
  });
