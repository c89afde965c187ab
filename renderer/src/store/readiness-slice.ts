/**
 * The readiness check of the Build view's project (`build:readiness`): asked for the folder and platforms the
 * build would use, so a user sees what would go wrong (or run emulated) before the first build. A reply for a
 * folder or platform list that changed meanwhile is dropped: it would describe another project.
 */
import type { StateCreator } from 'zustand';
import type { ReadinessReport } from '../../../core/contract/build.js';
import type { ApiClient } from '../api/types.js';
import { toUiError } from './errors.js';
import type { StoreState, UiError } from './types.js';

export interface ReadinessState {
  /** What the report below was asked for: `context|dockerfile|platforms`. */
  key: string | null;
  report: ReadinessReport | null;
  busy: boolean;
  error: UiError | null;
}

export interface ReadinessSlice {
  readiness: ReadinessState;
  checkReadiness(input: { context: string; dockerfile?: string; platforms: string[] }): Promise<void>;
}

export function readinessKey(input: { context: string; dockerfile?: string; platforms: readonly string[] }): string {
  return [input.context, input.dockerfile ?? '', input.platforms.join(',')].join('|');
}

export const createReadinessSlice =
  (api: ApiClient): StateCreator<StoreState, [], [], ReadinessSlice> =>
  (set, get) => ({
    readiness: { key: null, report: null, busy: false, error: null },
    checkReadiness: async (input) => {
      const key = readinessKey(input);
      set({ readiness: { ...get().readiness, key, busy: true, error: null } });
      try {
        const report = await api.invoke('build:readiness', { context: input.context, platforms: input.platforms, ...(input.dockerfile ? { dockerfile: input.dockerfile } : {}) });
        if (get().readiness.key === key) set({ readiness: { key, report, busy: false, error: null } });
      } catch (error) {
        if (get().readiness.key === key) set({ readiness: { key, report: null, busy: false, error: toUiError(error) } });
      }
    },
  });

export const selectReadiness = (s: StoreState) => s.readiness;
