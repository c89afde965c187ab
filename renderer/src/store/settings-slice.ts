import type { StateCreator } from 'zustand';
import type { ApiClient } from '../api/types.js';
import { fieldErrorsFrom } from '../lib/field-errors.js';
import { toUiError } from './errors.js';
import type { SettingsSlice, StoreState } from './types.js';

export const createSettingsSlice =
  (api: ApiClient): StateCreator<StoreState, [], [], SettingsSlice> =>
  (set, get) => ({
    settings: { value: null, loading: false, saving: false, error: null, fieldErrors: {}, savedAt: null },
    loadSettings: async () => {
      set({ settings: { ...get().settings, loading: true, error: null } });
      try {
        const value = await api.invoke('settings:get', {});
        set({ settings: { ...get().settings, value, loading: false } });
      } catch (error) {
        set({ settings: { ...get().settings, loading: false, error: toUiError(error) } });
      }
    },
    saveSettings: async (patch) => {
      set({ settings: { ...get().settings, saving: true, error: null, fieldErrors: {} } });
      try {
        const value = await api.invoke('settings:update', patch);
        set({ settings: { ...get().settings, value, saving: false, savedAt: Date.now() } });
        return true;
      } catch (error) {
        const ui = toUiError(error);
        const fieldErrors = fieldErrorsFrom(error);
        set({ settings: { ...get().settings, saving: false, error: ui, fieldErrors } });
        return false;
      }
    },
  });
