/**
 * What the core's sweep removed (containers an interrupted action left behind): read once when the page opens,
 * then taken from each 'engine:swept' event, so the notice says it whether the sweep ran before or after.
 */
import type { StateCreator } from 'zustand';
import type { SweepReport } from '../../../core/contract/sweep.js';
import type { ApiClient } from '../api/types.js';
import type { StoreState } from './types.js';

export interface SweepSlice {
  sweep: { report: SweepReport | null; dismissedAt: string | null };
  loadSweep(): Promise<void>;
  dismissSweep(): void;
}

export const createSweepSlice =
  (api: ApiClient): StateCreator<StoreState, [], [], SweepSlice> =>
  (set, get) => ({
    sweep: { report: null, dismissedAt: null },
    loadSweep: async () => {
      try {
        const { last } = await api.invoke('engine:last-sweep', {});
        if (last) set({ sweep: { ...get().sweep, report: last } });
      } catch {
        // only a notice: without it nothing else is wrong
      }
    },
    dismissSweep: () => set({ sweep: { ...get().sweep, dismissedAt: get().sweep.report?.at ?? null } }),
  });

export function watchSweep(api: ApiClient, getState: () => StoreState, setState: (p: Partial<StoreState>) => void): () => void {
  void getState().loadSweep();
  return api.on('engine:swept', (report) => setState({ sweep: { ...getState().sweep, report } }));
}
