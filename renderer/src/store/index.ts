import { create } from 'zustand';
import type { ApiClient } from '../api/types.js';
import type { ViewId } from '../lib/views.js';
import { createAppSlice } from './app-slice.js';
import { createDoctorSlice } from './doctor-slice.js';
import { createSettingsSlice } from './settings-slice.js';
import { createTasksSlice } from './tasks-slice.js';
import { createRegistrySlice, watchRegistry } from './registry-slice.js';
import { createBuilderSlice, watchBuilders } from './builder-slice.js';
import { createBuildSlice, watchBuild } from './build-slice.js';
import { createRunsSlice } from './runs-slice.js';
import { createTutorialSlice } from './tutorial-slice.js';
import { createVerifySlice } from './verify-slice.js';
import { createReadinessSlice } from './readiness-slice.js';
import type { StoreState } from './types.js';

export type { StoreState, UiError } from './types.js';
export * from './selectors.js';

/** One bound store made of slices; the api client is handed in so the store never knows which front it runs in. */
export function createAppStore(api: ApiClient, initialView: ViewId = 'doctor') {
  return create<StoreState>()((...a) => ({
    ...createAppSlice(api, initialView)(...a),
    ...createDoctorSlice(api)(...a),
    ...createTasksSlice(api)(...a),
    ...createSettingsSlice(api)(...a),
    ...createRegistrySlice(api)(...a),
    ...createBuilderSlice(api)(...a),
    ...createBuildSlice(api)(...a),
    ...createRunsSlice(api)(...a),
    ...createTutorialSlice(api)(...a),
    ...createVerifySlice(api)(...a),
    ...createReadinessSlice(api)(...a),
  }));
}

export type AppStore = ReturnType<typeof createAppStore>;

const ENGINE_REFRESH_DEBOUNCE_MS = 1000;

/**
 * Feeds the store from the core: task updates as they come, a (debounced) Doctor refresh when
 * the engine comes or goes, and a reload of everything after the connection comes back.
 */
export function connectStore(store: AppStore, api: ApiClient): () => void {
  let engineTimer: ReturnType<typeof setTimeout> | undefined;
  const refreshSoon = () => {
    if (engineTimer !== undefined) clearTimeout(engineTimer);
    engineTimer = setTimeout(() => void store.getState().refreshDoctor(), ENGINE_REFRESH_DEBOUNCE_MS);
  };
  const offs = [
    watchRegistry(api, store.getState),
    watchBuilders(api, store.getState),
    watchBuild(api, store.getState, store.setState),
    api.on('task:update', (task) => store.getState().applyTaskUpdate(task)),
    api.on('engine:status', ({ reachable }) => {
      const { report, loading } = store.getState().doctor;
      // The Doctor's own discovery announces the engine too: refresh only when the news contradicts what is shown.
      if (loading || (report && (report.engine !== null) === reachable)) return;
      refreshSoon();
    }),
    api.onConnectionChange((state) => {
      const before = store.getState().connection;
      store.getState().setConnection(state);
      if (state === 'connected' && before !== 'connected') {
        const s = store.getState();
        void s.loadInfo();
        void s.loadTasks();
        // After an outage, a report that failed (or none at all) is worth asking again.
        if (s.doctor.error || !s.doctor.report) void s.refreshDoctor();
        if (s.settings.error || !s.settings.value) void s.loadSettings();
      }
    }),
  ];
  const s = store.getState();
  void s.loadInfo();
  void s.loadTasks();
  void s.refreshDoctor();
  void s.loadSettings();
  return () => {
    if (engineTimer !== undefined) clearTimeout(engineTimer);
    for (const off of offs) off();
  };
}
