/**
 * The Runs view's state: which image (by default the last build's), its platforms as the registry lists them,
 * the run matrix on screen, and the saved history. History is refetched after every change, never patched.
 */
import type { StateCreator } from 'zustand';
import type { HostChoices, RunExport, RunMatrix, RunSummary } from '../../../core/contract/runs.js';
import type { ApiClient } from '../api/types.js';
import { newCallId } from '../../../core/contract/call-id.js';
import { toUiError } from './errors.js';
import type { StoreState, UiError } from './types.js';

export interface RunsState {
  /** What is typed; null until edited, meaning "the last build's reference". */
  reference: string | null;
  /** The image's platforms and which one each common host pulls, for the reference looked up. */
  lookup: HostChoices | null;
  lookupLoading: boolean;
  lookupError: UiError | null;
  /** Platforms to run; null means every platform of the image. */
  selected: string[] | null;
  /** A command instead of the image's CMD, as typed (split at spaces); empty runs the image's own. */
  command: string;
  running: boolean;
  /** The id of the running (or last) run call: its task carries this id. */
  callId: string | null;
  runError: UiError | null;
  /** The matrix on screen: the one just run, or one opened from the history. */
  current: RunMatrix | null;
  history: RunSummary[] | null;
  historyLoading: boolean;
  historyError: UiError | null;
  opening: string | null;
  deleting: string | null;
  deleteError: UiError | null;
  exportError: UiError | null;
}

export interface RunsSlice {
  runs: RunsState;
  setRunsReference(reference: string): void;
  setRunsCommand(command: string): void;
  /** Reads the platforms of the reference (runs:hosts); resolves true when found. */
  lookupRunReference(reference: string): Promise<boolean>;
  toggleRunPlatform(platform: string, on: boolean): void;
  startRuns(reference: string): Promise<void>;
  loadRunHistory(): Promise<void>;
  openRun(id: string): Promise<void>;
  /** Resolves true when deleted. */
  deleteRun(id: string): Promise<boolean>;
  exportRun(id: string, format: 'json' | 'markdown'): Promise<RunExport | null>;
  /** From elsewhere (the Build view): show this reference, ready to run. */
  prepareRuns(reference: string): void;
}

/** `uname -m` -> ["uname", "-m"]; nothing typed -> the image's own CMD. Quotes are not interpreted: words split at spaces. */
export function commandArgs(text: string): string[] | undefined {
  const words = text.trim().split(/\s+/).filter(Boolean);
  return words.length ? words : undefined;
}

export const createRunsSlice =
  (api: ApiClient): StateCreator<StoreState, [], [], RunsSlice> =>
  (set, get) => {
    const patch = (p: Partial<RunsState>) => set({ runs: { ...get().runs, ...p } });
    /** Answers to an older lookup are dropped. */
    let lookupSeq = 0;

    return {
      runs: {
        reference: null,
        lookup: null,
        lookupLoading: false,
        lookupError: null,
        selected: null,
        command: '',
        running: false,
        callId: null,
        runError: null,
        current: null,
        history: null,
        historyLoading: false,
        historyError: null,
        opening: null,
        deleting: null,
        deleteError: null,
        exportError: null,
      },

      setRunsReference: (reference) => {
        const changed = reference.trim() !== get().runs.lookup?.reference;
        patch({ reference, ...(changed ? { lookupError: null } : {}) });
      },

      setRunsCommand: (command) => patch({ command }),

      lookupRunReference: async (reference) => {
        const ref = reference.trim();
        if (!ref) return false;
        const seq = ++lookupSeq;
        const same = get().runs.lookup?.reference === ref;
        patch({ lookupLoading: true, lookupError: null, ...(same ? {} : { selected: null }) });
        try {
          const lookup = await api.invoke('runs:hosts', { reference: ref });
          if (seq !== lookupSeq) return false;
          // Keep a choice of platforms only where the image still has them.
          const selected = get().runs.selected?.filter((p) => lookup.imagePlatforms.includes(p)) ?? null;
          patch({ lookup, lookupLoading: false, selected: selected && selected.length ? selected : null });
          return true;
        } catch (error) {
          if (seq !== lookupSeq) return false;
          patch({ lookupLoading: false, lookupError: toUiError(error), lookup: null });
          return false;
        }
      },

      toggleRunPlatform: (platform, on) => {
        const all = get().runs.lookup?.imagePlatforms ?? [];
        const current = get().runs.selected ?? all;
        const next = on ? all.filter((p) => p === platform || current.includes(p)) : current.filter((p) => p !== platform);
        patch({ selected: next.length === all.length ? null : next });
      },

      startRuns: async (reference) => {
        if (get().runs.running) return;
        const ref = reference.trim();
        const { selected, lookup } = get().runs;
        const platforms = lookup?.reference === ref && selected ? selected : undefined;
        const command = commandArgs(get().runs.command);
        const callId = newCallId();
        patch({ running: true, callId, runError: null, deleteError: null, exportError: null });
        try {
          const current = await api.invoke('runs:start', { reference: ref, ...(platforms ? { platforms } : {}), ...(command ? { command } : {}) }, { callId });
          patch({ running: false, current });
          if (get().runs.lookup?.reference !== ref) void get().lookupRunReference(ref);
        } catch (error) {
          patch({ running: false, runError: toUiError(error) });
        } finally {
          await get().loadRunHistory();
        }
      },

      loadRunHistory: async () => {
        patch({ historyLoading: true });
        try {
          patch({ history: await api.invoke('runs:list', {}), historyLoading: false, historyError: null });
        } catch (error) {
          patch({ historyLoading: false, historyError: toUiError(error) });
        }
      },

      openRun: async (id) => {
        patch({ opening: id, runError: null });
        try {
          const current = await api.invoke('runs:get', { id });
          patch({ current, opening: null, reference: current.reference });
          void get().lookupRunReference(current.reference);
        } catch (error) {
          patch({ opening: null, runError: toUiError(error) });
        }
      },

      deleteRun: async (id) => {
        patch({ deleting: id, deleteError: null });
        try {
          await api.invoke('runs:delete', { id });
          patch({ deleting: null, ...(get().runs.current?.id === id ? { current: null } : {}) });
          return true;
        } catch (error) {
          patch({ deleting: null, deleteError: toUiError(error) });
          return false;
        } finally {
          await get().loadRunHistory();
        }
      },

      exportRun: async (id, format) => {
        patch({ exportError: null });
        try {
          return await api.invoke('runs:export', { id, format });
        } catch (error) {
          patch({ exportError: toUiError(error) });
          return null;
        }
      },

      prepareRuns: (reference) => {
        patch({ reference, selected: null, lookupError: null });
        void get().lookupRunReference(reference);
      },
    };
  };

export const selectRuns = (s: StoreState) => s.runs;
