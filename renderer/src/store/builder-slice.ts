/**
 * Buildx builders, the default driver's story and the emulators, as the core reports them.
 * Every action ends with a refetch of the list: buildx is the truth, not what we expected to happen.
 */
import type { StateCreator } from 'zustand';
import type * as z from 'zod';
import type {
  BuilderAppendInput,
  BuilderAppendResult,
  BuilderCreateInput,
  BuilderCreateResult,
  BuilderList,
  BuilderRemoveResult,
  DefaultDriverExplanation,
  EmulatorReport,
  InstallEmulatorsResult,
} from '../../../core/contract/builder.js';
import type { ApiClient } from '../api/types.js';
import { newCallId } from '../../../core/contract/call-id.js';
import { fieldErrorsFrom } from '../lib/field-errors.js';
import { toUiError } from './errors.js';
import type { StoreState, UiError } from './types.js';

export type BuilderCreateRequest = z.input<typeof BuilderCreateInput>;
export type BuilderAppendRequest = z.input<typeof BuilderAppendInput>;

/** A form's outcome: the error to show and the fields it points at ("name" -> what is wrong). */
export interface FormFailure {
  error: UiError;
  fields: Record<string, string>;
  /** The builder the failure is about, so removing that builder also retires its notice (and its offer to start it). */
  builder?: string;
}

export interface BuildersState {
  list: BuilderList | null;
  loading: boolean;
  error: UiError | null;
  defaultDriver: DefaultDriverExplanation | null;
  defaultDriverError: UiError | null;
  emulators: EmulatorReport | null;
  emulatorsLoading: boolean;
  emulatorsError: UiError | null;

  creating: boolean;
  /** The id of the running (or last) creation call: its task carries this id. */
  createCallId: string | null;
  createFailure: FormFailure | null;
  created: BuilderCreateResult | null;

  /** Builder name -> the action running on it. */
  pending: Record<string, 'use' | 'remove'>;
  rowError: { name: string; action: 'use' | 'remove'; error: UiError } | null;
  removed: BuilderRemoveResult | null;

  installing: boolean;
  /** The id of the running (or last) install call: its task carries this id. */
  installCallId: string | null;
  installError: UiError | null;
  installed: InstallEmulatorsResult | null;

  appending: boolean;
  appendFailure: FormFailure | null;
  appended: BuilderAppendResult | null;
}

export interface BuilderSlice {
  builders: BuildersState;
  refreshBuilders(): Promise<void>;
  loadBuilderFacts(): Promise<void>;
  createBuilder(input: BuilderCreateRequest): Promise<boolean>;
  useBuilder(name: string): Promise<void>;
  removeBuilder(name: string): Promise<boolean>;
  installEmulators(): Promise<void>;
  appendBuilderNode(input: BuilderAppendRequest): Promise<boolean>;
  dismissBuilderNotice(which: 'createFailure' | 'created' | 'rowError' | 'removed' | 'installError' | 'installed' | 'appendFailure' | 'appended'): void;
}

function failure(error: unknown): FormFailure {
  return { error: toUiError(error), fields: fieldErrorsFrom(error) };
}

export const createBuilderSlice =
  (api: ApiClient): StateCreator<StoreState, [], [], BuilderSlice> =>
  (set, get) => {
    let listInFlight: Promise<void> | null = null;
    let listAgain = false;
    const patch = (p: Partial<BuildersState>) => set({ builders: { ...get().builders, ...p } });

    const loadList = async () => {
      patch({ loading: true });
      try {
        const list = await api.invoke('builder:list', {});
        patch({ list, loading: false, error: null });
      } catch (error) {
        patch({ loading: false, error: toUiError(error) });
      }
    };

    const loadEmulators = async () => {
      patch({ emulatorsLoading: true });
      try {
        patch({ emulators: await api.invoke('builder:emulators', {}), emulatorsLoading: false, emulatorsError: null });
      } catch (error) {
        patch({ emulatorsLoading: false, emulatorsError: toUiError(error) });
      }
    };

    const loadDefaultDriver = async () => {
      try {
        patch({ defaultDriver: await api.invoke('builder:default-driver', {}), defaultDriverError: null });
      } catch (error) {
        patch({ defaultDriverError: toUiError(error) });
      }
    };

    return {
      builders: {
        list: null,
        loading: false,
        error: null,
        defaultDriver: null,
        defaultDriverError: null,
        emulators: null,
        emulatorsLoading: false,
        emulatorsError: null,
        creating: false,
        createCallId: null,
        createFailure: null,
        created: null,
        pending: {},
        rowError: null,
        removed: null,
        installing: false,
        installCallId: null,
        installError: null,
        installed: null,
        appending: false,
        appendFailure: null,
        appended: null,
      },

      refreshBuilders: () => {
        if (listInFlight) {
          listAgain = true;
          return listInFlight;
        }
        listInFlight = (async () => {
          do {
            listAgain = false;
            await loadList();
          } while (listAgain);
        })().finally(() => {
          listInFlight = null;
        });
        return listInFlight;
      },

      loadBuilderFacts: async () => {
        await Promise.all([get().refreshBuilders(), loadDefaultDriver(), loadEmulators()]);
      },

      createBuilder: async (input) => {
        if (get().builders.creating) return false;
        const callId = newCallId();
        patch({ creating: true, createCallId: callId, createFailure: null, created: null });
        try {
          const created = await api.invoke('builder:create', input, { callId });
          patch({ creating: false, created });
          return true;
        } catch (error) {
          patch({ creating: false, createFailure: { ...failure(error), ...(input.name ? { builder: input.name } : {}) } });
          return false;
        } finally {
          // A failed bootstrap still leaves a created builder behind: the list must show it.
          await get().refreshBuilders();
        }
      },

      useBuilder: async (name) => {
        if (get().builders.pending[name]) return;
        patch({ pending: { ...get().builders.pending, [name]: 'use' }, rowError: null, removed: null });
        try {
          await api.invoke('builder:use', { name });
        } catch (error) {
          patch({ rowError: { name, action: 'use', error: toUiError(error) } });
        } finally {
          const { [name]: _done, ...rest } = get().builders.pending;
          patch({ pending: rest });
          await get().refreshBuilders();
        }
      },

      removeBuilder: async (name) => {
        if (get().builders.pending[name]) return false;
        patch({ pending: { ...get().builders.pending, [name]: 'remove' }, rowError: null, removed: null });
        try {
          const removed = await api.invoke('builder:remove', { name });
          const { created, createFailure } = get().builders;
          const failedName = createFailure?.builder ?? get().settings.value?.builder.name;
          patch({ removed, ...(created?.builder.name === name ? { created: null } : {}), ...(createFailure && failedName === name ? { createFailure: null } : {}) });
          return true;
        } catch (error) {
          patch({ rowError: { name, action: 'remove', error: toUiError(error) } });
          return false;
        } finally {
          const { [name]: _done, ...rest } = get().builders.pending;
          patch({ pending: rest });
          await get().refreshBuilders();
        }
      },

      installEmulators: async () => {
        if (get().builders.installing) return;
        const callId = newCallId();
        patch({ installing: true, installCallId: callId, installError: null, installed: null });
        try {
          const installed = await api.invoke('builder:install-emulators', {}, { callId });
          patch({ installing: false, installed, emulators: installed.report });
        } catch (error) {
          patch({ installing: false, installError: toUiError(error) });
          await loadEmulators();
        }
      },

      appendBuilderNode: async (input) => {
        if (get().builders.appending) return false;
        patch({ appending: true, appendFailure: null, appended: null });
        try {
          const appended = await api.invoke('builder:append-node', input);
          patch({ appending: false, appended });
          return true;
        } catch (error) {
          patch({ appending: false, appendFailure: failure(error) });
          return false;
        } finally {
          await get().refreshBuilders();
        }
      },

      dismissBuilderNotice: (which) => patch({ [which]: null }),
    };
  };

export const selectBuilders = (s: StoreState) => s.builders;

const ENGINE_CHANGE_DEBOUNCE_MS = 300;

/** Builder nodes are containers: when the engine reports a change and the Builder view is open, list again. */
export function watchBuilders(api: ApiClient, getState: () => StoreState): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const soon = () => {
    if (getState().view !== 'builder') return;
    clearTimeout(timer);
    timer = setTimeout(() => void getState().refreshBuilders(), ENGINE_CHANGE_DEBOUNCE_MS);
  };
  const offs = [api.on('engine:changed', soon), api.on('engine:status', soon)];
  return () => {
    clearTimeout(timer);
    for (const off of offs) off();
  };
}
