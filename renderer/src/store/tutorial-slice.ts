/**
 * The guided path Doctor -> Registry -> Builder -> Build -> Runs: its text (from the core) and whether the
 * strip is shown. Whether each step is done is not stored: it is read from the other slices (see tutorialProgress).
 */
import type { StateCreator } from 'zustand';
import type { TutorialArea, TutorialSteps } from '../../../core/contract/build.js';
import type { ApiClient } from '../api/types.js';
import { judgeTourBuild, judgeTourRuns, type RegistryAnswer, type TourImage } from '../../../core/tutorial/progress.js';
import { toUiError } from './errors.js';
import type { StoreState, UiError } from './types.js';

const OPEN_KEY = 'multiarch-lab.tutorial-open';
const IMAGE_KEY = 'multiarch-lab.tour-image';

export interface TutorialState {
  steps: TutorialSteps | null;
  loading: boolean;
  error: UiError | null;
  /** The strip is on screen, above every view. */
  open: boolean;
  /** What this tour's last successful build pushed (kept across reloads): the later steps are judged on it. */
  image: TourImage | null;
  /** What the registry answered for that image's tag, last time it was asked. */
  registryAnswer: RegistryAnswer | null;
}

export interface TutorialSlice {
  tutorial: TutorialState;
  loadTutorial(): Promise<void>;
  setTutorialOpen(open: boolean): void;
  /** Called when a build succeeds: that image is the tour's from now on. */
  rememberTourImage(image: TourImage): void;
  /** Asks the registry what it serves for the tour image's tag now. */
  checkTourImage(): Promise<void>;
  /** The image the core remembers, taken when this browser remembers none. */
  restoreTourImage(value: unknown): void;
}

function parseImage(v: unknown): TourImage | null {
  if (!v || typeof v !== 'object') return null;
  const i = v as Partial<TourImage>;
  if (typeof i.reference === 'string' && typeof i.digest === 'string' && Array.isArray(i.platforms)) {
    return { reference: i.reference, digest: i.digest, platforms: i.platforms.filter((p): p is string => typeof p === 'string') };
  }
  return null;
}

function readImage(): TourImage | null {
  try {
    const raw = globalThis.localStorage?.getItem(IMAGE_KEY);
    return raw ? parseImage(JSON.parse(raw)) : null;
  } catch {
    return null;
  }
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
      tutorial: { steps: null, loading: false, error: null, open: readOpen(), image: readImage(), registryAnswer: null },
      rememberTourImage: (image) => {
        try {
          globalThis.localStorage?.setItem(IMAGE_KEY, JSON.stringify(image));
        } catch {
          // storage refused: the tour still knows the image until reload
        }
        void api.invoke('ui-state:set', { key: 'tour-image', value: image }).catch(() => undefined);
        patch({ image, registryAnswer: { digest: image.digest, platforms: image.platforms } });
      },
      restoreTourImage: (value) => {
        const image = parseImage(value);
        if (!image || get().tutorial.image) return;
        try {
          globalThis.localStorage?.setItem(IMAGE_KEY, JSON.stringify(image));
        } catch {
          // storage refused: kept for this session
        }
        patch({ image, registryAnswer: null });
        void get().checkTourImage();
      },
      checkTourImage: async () => {
        const image = get().tutorial.image;
        if (!image) return;
        try {
          const found = await api.invoke('registry:inspect', { reference: image.reference });
          if (get().tutorial.image === image) patch({ registryAnswer: { digest: found.digest, platforms: found.platforms } });
        } catch (error) {
          if (get().tutorial.image === image) patch({ registryAnswer: { error: toUiError(error).message } });
        }
      },
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

type Facts = Pick<StoreState, 'doctor' | 'registry' | 'builders' | 'settings' | 'build' | 'runs' | 'tutorial'>;

/**
 * Whether each step is done, as selectors (one boolean each, so a view re-renders only when one flips):
 * true of the machine now, as the other areas last saw it; the build and runs steps are judged on the
 * tour's own image (see core/tutorial/progress.ts), so another build's cancel or someone else's run
 * changes neither.
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
  build: (s) => judgeTourBuild(s.tutorial.image, s.tutorial.registryAnswer).done,
  runs: (s) => judgeTourRuns(s.tutorial.image, s.runs.history).done,
};

/** What each step's mark was computed from, in words shown beside it. */
export function tutorialChecked(s: Facts, area: TutorialArea): string {
  switch (area) {
    case 'doctor': {
      const r = s.doctor.report;
      if (!r) return 'The Doctor has not reported yet.';
      return r.ready ? 'The Doctor’s last report: the engine, buildx and emulation checks are ok.' : 'The Doctor’s last report marks something as missing.';
    }
    case 'registry': {
      const st = s.registry.status;
      if (!st) return 'The registry’s state has not been read yet.';
      if (!st.exists) return 'No registry container exists yet.';
      if (!st.running) return 'The registry container exists but is not running.';
      return st.health?.ok ? `The registry container runs and answers at ${st.address ?? 'its address'}.` : `The registry container runs but does not answer at ${st.address ?? 'its address'}.`;
    }
    case 'builder': {
      if (s.builders.defaultDriver?.multiPlatform) return 'The engine keeps images in the containerd store, so its own builder builds every platform.';
      const name = s.settings.value?.builder.name;
      if (!s.builders.list) return 'The builder list has not been read yet.';
      return name && s.builders.list.builders.some((b) => b.name === name) ? `The builder ${name} exists.` : `No builder named ${name ?? '(unset)'} exists.`;
    }
    case 'build':
      return judgeTourBuild(s.tutorial.image, s.tutorial.registryAnswer).checked;
    case 'runs':
      return judgeTourRuns(s.tutorial.image, s.runs.history).checked;
  }
}

export function tutorialProgress(s: Facts): TutorialProgress {
  return {
    doctor: tutorialDone.doctor(s),
    registry: tutorialDone.registry(s),
    builder: tutorialDone.builder(s),
    build: tutorialDone.build(s),
    runs: tutorialDone.runs(s),
  };
}
