import type { StateCreator } from 'zustand';
import type { ApiClient } from '../api/types.js';
import { toUiError } from './errors.js';
import type { DoctorSlice, StoreState } from './types.js';

export const createDoctorSlice =
  (api: ApiClient): StateCreator<StoreState, [], [], DoctorSlice> =>
  (set, get) => {
    let inFlight: Promise<void> | null = null;
    return {
      doctor: { report: null, loading: false, error: null },
      refreshDoctor: () => {
        // A report takes seconds (it asks the engine and the CLI); a second click joins the running one.
        if (inFlight) return inFlight;
        set({ doctor: { ...get().doctor, loading: true, error: null } });
        inFlight = api
          .invoke('doctor:report', {})
          .then(
            (report) => set({ doctor: { report, loading: false, error: null } }),
            (error: unknown) => set({ doctor: { ...get().doctor, loading: false, error: toUiError(error) } }),
          )
          .finally(() => {
            inFlight = null;
          });
        return inFlight;
      },
    };
  };
