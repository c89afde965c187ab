import type { StateCreator } from 'zustand';
import type { ApiClient } from '../api/types.js';
import type { AppSlice, StoreState } from './types.js';

export const createAppSlice =
  (api: ApiClient, initialView: AppSlice['view']): StateCreator<StoreState, [], [], AppSlice> =>
  (set) => ({
    info: null,
    connection: api.connectionState(),
    view: initialView,
    setView: (view) => set({ view }),
    setConnection: (connection) => set({ connection }),
    loadInfo: async () => {
      try {
        set({ info: await api.invoke('app:info', {}) });
      } catch {
        // The header just shows less; the connection banner already says what is wrong.
      }
    },
  });
