/**
 * The guided path Doctor -> Registry -> Builder -> Build -> Runs: its text (from the core) and whether the
 * strip is shown. Whether each step is done is not stored: it is read from the other slices (see tutorialProgress).
 */
import type { StateCreator } from 'zustand';
import type { TutorialArea, TutorialSteps } from '../../../core/contract/build.js';
import type { ApiClient } from '../api/types.js';
import { toUiError } from './errors.js';
import type { StoreState, UiError } from './types.js';

const OPEN_KEY = 'multiarch-lab.tutorial-open';

export interface TutorialState {
  steps: TutorialSteps | null;
  loading: boolean;
  error: UiError | null;
  /** The strip is on screen, above every view. */
  open: boolean;
}

export interface TutorialSlice {
  tutorial: TutorialState;
  loadTutorial(): Promise<void>;
  setTutorialOpen(open: boolean): void;
}

function readOpen(): boolean {
  try {
    return globalThis.localStorage?.getItem(OPEN_KEY) === 'true';
  } catch {
    return false;
  }
}

function writeOpen(open: boolean): void {
  try {
    globalThis.localStorage?.setItem(OPEN_KEY, String(open));
  } catch {
    // Private windows may refuse storage: the strip just forgets on reload.
  }
}

export const createTutorialSlice =
  (api: ApiClient): StateCreator<StoreState, [], [], TutorialSlice> =>
  (set, get) => {
    const patch = (p: Partial<TutorialState>) => set({ tutorial: { ...get().tutorial, ...p } });
    return {
      tutorial: { steps: null, loading: false, error: null, open: readOpen() },
      loadTutorial: async () => {
        if (get().tutorial.loading) return;
        patch({ loading: true, error: null });
        try {
          patch({ steps: await api.invoke('tutorial:steps', {}), loading: false });
        } catch (error) {
          patch({ loading: false, error: toUiError(error) });
        }
      },
      setTutorialOpen: (open) => {
        writeOpen(open);
        patch({ open });
      },
    };
  };

export const selectTutorial = (s: StoreState) => s.tutorial;

export type TutorialProgress = Record<TutorialArea, boolean>;

type Facts = Pick<StoreState, 'doctor' | 'registry' | 'builders' | 'settings' | 'build' | 'runs'>;

/**
 * Whether each step is done, as selectors (one boolean each, so a view re-renders only when one flips):
 * true of the machine now, as the other areas last saw it.
 */
export const tutorialDone: Record<TutorialArea, (s: Facts) => boolean> = {
  doctor: (s) => !!s.doctor.report?.ready,
  registry: (s) => {
    const status = s.registry.status;
    return !!status?.exists && status.running && !!status.health?.ok;
  },
  // The engine's own builder builds every platform with the containerd store; otherwise the host-networked one must exist.
  builder: (s) => {
    const name = s.settings.value?.builder.name;
    return !!s.builders.defaultDriver?.multiPlatform || (!!name && !!s.builders.list?.builders.some((b) => b.name === name));
  },
  build: (s) => s.build.result !== null,
  runs: (s) => s.runs.current !== null || (s.runs.history?.length ?? 0) > 0,
};

export function tutorialProgress(s: Facts): TutorialProgress {
  return {
    doctor: tutorialDone.doctor(s),
    registry: tutorialDone.registry(s),
    builder: tutorialDone.builder(s),
    build: tutorialDone.build(s),
    runs: tutorialDone.runs(s),
  };
}
