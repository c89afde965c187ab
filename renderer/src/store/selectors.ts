import type { TaskSnapshot } from '../../../core/contract/index.js';
import type { StoreState } from './types.js';

export const selectView = (s: StoreState) => s.view;
export const selectSetView = (s: StoreState) => s.setView;
export const selectConnection = (s: StoreState) => s.connection;
export const selectInfo = (s: StoreState) => s.info;
export const selectDoctor = (s: StoreState) => s.doctor;
export const selectRefreshDoctor = (s: StoreState) => s.refreshDoctor;
export const selectSettings = (s: StoreState) => s.settings;
export const selectSaveSettings = (s: StoreState) => s.saveSettings;
export const selectLoadSettings = (s: StoreState) => s.loadSettings;
export const selectTasksById = (s: StoreState) => s.tasks;
export const selectCancelTask = (s: StoreState) => s.cancelTask;
export const selectDismissTask = (s: StoreState) => s.dismissTask;

/** Pure: the tasks to show, running first, then newest first. Use on a stable `tasks` object. */
export function sortTasks(tasks: Record<string, TaskSnapshot>): TaskSnapshot[] {
  return Object.values(tasks).sort((a, b) => {
    if ((a.state === 'running') !== (b.state === 'running')) return a.state === 'running' ? -1 : 1;
    return b.startedAt - a.startedAt;
  });
}
