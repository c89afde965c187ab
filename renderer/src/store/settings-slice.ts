import type { StateCreator } from 'zustand';
import type { ApiClient } from '../api/types.js';
import { fieldErrorsFrom } from '../lib/field-errors.js';
import { toUiError } from './errors.js';
import type { SettingsSlice, StoreState } from './types.js';

export const createSettingsSlice =
  (api: ApiClient): StateCreator<StoreState, [], [], SettingsSlice> =>
  (set, get) => {
    // The list lives in settings: after a change both are read again, so every screen agrees.
    const changePlainHttp = async (channel: 'plain-http:add' | 'plain-http:remove', registry: string) => {
      set({ plainHttp: { ...get().plainHttp, busy: true, error: null } });
      try {
        const decision = await api.invoke(channel, { registry });
        const [list, value] = await Promise.all([api.invoke('plain-http:list', {}), api.invoke('settings:get', {})]);
        set({ plainHttp: { list, error: null, busy: false }, settings: { ...get().settings, value }, plainHttpChecks: {} });
        return decision;
      } catch (error) {
        set({ plainHttp: { ...get().plainHttp, error: toUiError(error), busy: false } });
        return null;
      }
    };
    return {
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
    plainHttp: { list: null, error: null, busy: false },
    loadPlainHttp: async () => {
      set({ plainHttp: { ...get().plainHttp, busy: true } });
      try {
        const list = await api.invoke('plain-http:list', {});
        set({ plainHttp: { list, error: null, busy: false } });
      } catch (error) {
        set({ plainHttp: { ...get().plainHttp, error: toUiError(error), busy: false } });
      }
    },
    plainHttpChecks: {},
    checkPlainHttp: async (registry) => {
      try {
        const decision = await api.invoke('plain-http:check', { registry });
        set({ plainHttpChecks: { ...get().plainHttpChecks, [registry]: decision } });
      } catch {
        // a half-typed address: the preview keeps its loopback-only guess
      }
    },
    addPlainHttp: async (registry) => changePlainHttp('plain-http:add', registry),
    removePlainHttp: async (registry) => changePlainHttp('plain-http:remove', registry),
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
    };
  };
