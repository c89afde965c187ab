/**
 * The Build view's state: what to build (the sample or a folder, platforms, tag, builder, mode), the running
 * build as the core streams it (task, per-platform progress, log lines) and how it ended.
 * Log lines live in a LogBuffer outside the reactive state (a build can print 100,000 of them); the state
 * only carries a version number that changes when lines arrive.
 */
import type { StateCreator } from 'zustand';
import type {
  BuildCheckResult,
  BuildFailureDetails,
  BuildHistoryEntry,
  BuildMode,
  BuildResult,
  BuildRunInput,
  DockerfileWarning,
  PlatformProgress,
  TutorialInitResult,
} from '../../../core/contract/build.js';
import type { TaskSnapshot } from '../../../core/contract/tasks.js';
import type { ApiClient, LogTailInfo } from '../api/types.js';
import { newCallId } from '../../../core/contract/call-id.js';
import { LogBuffer } from '../components/log-panel-model.js';
import { RemoteLog } from '../components/remote-log.js';
import { fieldErrorsFrom } from '../lib/field-errors.js';
import { toUiError } from './errors.js';
import type { StoreState, UiError } from './types.js';

export type BuildSource = 'sample' | 'folder';

export const SAMPLE_BASE_DEFAULT = 'alpine:3.15';
export const DEFAULT_BUILD_PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];

export interface BuildDraft {
  source: BuildSource;
  /** The sample's base image. */
  base: string;
  /** Where to write the sample; empty means the workspace's hello-multiarch folder. */
  sampleDir: string;
  /** Which sample: plain (every step on the target) or fast (a $BUILDPLATFORM stage, copied in). */
  sampleKind: 'plain' | 'fast';
  /** A folder of the user's own. */
  folder: string;
  /** Relative to the folder; empty means its Dockerfile. */
  dockerfile: string;
  platforms: string[];
  /** null until edited: the default follows the registry port in settings. */
  tag: string | null;
  /** Empty: let the app pick (see the builder choice in the view). */
  builder: string;
  mode: BuildMode;
  noCache: boolean;
  /** Read and write a build cache in the registry (--cache-from/--cache-to type=registry). */
  registryCache: boolean;
  /** null until edited: the default follows the image (its repository, tag buildcache). */
  cacheRef: string | null;
}

/** A failed build: what happened, the next step, and what the core knows about where it failed. */
export interface BuildFailure extends UiError {
  details?: BuildFailureDetails;
  /** Field path -> what is wrong with it, for input the core refused. */
  fields?: Record<string, string>;
}

export interface SampleError extends UiError {
  /** The folder already holds files of these names: offer to replace them. */
  exists: boolean;
  /** Those files are this app's sample: offer to use them as they are. */
  isSample?: boolean;
}

export interface BuildState {
  draft: BuildDraft;
  sample: TutorialInitResult | null;
  sampleBusy: boolean;
  sampleError: SampleError | null;
  /** The Dockerfile of the project as last read, with its warnings. */
  check: BuildCheckResult | null;
  checkBusy: boolean;
  checkError: UiError | null;
  /** Warnings shown before a build; the build waits until the user builds anyway or fixes the file. */
  pendingWarnings: DockerfileWarning[] | null;
  running: boolean;
  cancelling: boolean;
  /** When the user pressed Build (for the elapsed time and notifications). */
  since: number | null;
  /** The id of the running (or last) build call: the build's task carries it, so this window follows its own build. */
  callId: string | null;
  taskId: string | null;
  /** The task as last reported (kept after the task list forgets it). */
  task: TaskSnapshot | null;
  /** What the current or last build was asked to do. */
  request: { mode: BuildMode; platforms: string[]; tag: string; context: string } | null;
  progress: PlatformProgress[] | null;
  result: BuildResult | null;
  failure: BuildFailure | null;
  cancelled: boolean;
  /** The last pushed reference: the Runs view starts from it. */
  lastReference: string | null;
  /** Earlier builds of the last pushed tag (time per platform), newest first; null until read. */
  history: BuildHistoryEntry[] | null;
  endedAt: number | null;
}

export interface BuildSlice {
  build: BuildState;
  /** The running build's log; the same object for the app's lifetime, cleared when a build starts. */
  buildLog: LogBuffer | RemoteLog;
  /**
   * Changes when log lines arrive. Kept outside `build` so a stream of lines re-renders the log panel only,
   * not every part of the Build view.
   */
  buildLogVersion: number;
  setBuildDraft(patch: Partial<BuildDraft>): void;
  /** Writes the sample project; resolves true when written. */
  createSample(overwrite?: boolean): Promise<boolean>;
  /** Takes the sample already in the folder as it is (nothing written); resolves true when it is the sample. */
  useExistingSample(): Promise<boolean>;
  /** Reads the Dockerfile of the chosen project. */
  checkBuildProject(): Promise<BuildCheckResult | null>;
  /** `cacheRef`: the registry cache the view worked out for this build (absent: none, or the builder cannot keep one). */
  startBuild(options: { tag: string; cacheRef?: string; ignoreWarnings?: boolean }): Promise<void>;
  cancelBuild(): Promise<void>;
  dismissBuildWarnings(): void;
  dismissBuildOutcome(): void;
  /** Takes what the core remembers (a restart of browser mode is a new origin, with an empty localStorage). */
  restoreRemembered(): Promise<void>;
}

/** A build shorter than this is not worth a notification: the user is still looking. */
export const NOTIFY_AFTER_MS = 10_000;

export function initialDraft(): BuildDraft {
  return {
    source: 'sample',
    base: SAMPLE_BASE_DEFAULT,
    sampleDir: '',
    sampleKind: 'plain',
    folder: '',
    dockerfile: '',
    platforms: [...DEFAULT_BUILD_PLATFORMS],
    tag: null,
    builder: '',
    mode: 'modern',
    noCache: false,
    registryCache: false,
    cacheRef: null,
  };
}

const DRAFT_KEY = 'multiarch-lab.build-draft';
const SAMPLE_KEY = 'multiarch-lab.build-sample';

/** A remembered draft, field by field: anything malformed keeps its default. */
function parseDraft(value: unknown): BuildDraft | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Partial<Record<keyof BuildDraft, unknown>>;
  const draft = initialDraft();
  for (const k of ['base', 'sampleDir', 'folder', 'dockerfile', 'builder'] as const) if (typeof v[k] === 'string') draft[k] = v[k];
  if (v.source === 'sample' || v.source === 'folder') draft.source = v.source;
  if (v.mode === 'modern' || v.mode === 'old-school') draft.mode = v.mode;
  if (v.sampleKind === 'plain' || v.sampleKind === 'fast') draft.sampleKind = v.sampleKind;
  if (typeof v.noCache === 'boolean') draft.noCache = v.noCache;
  if (typeof v.registryCache === 'boolean') draft.registryCache = v.registryCache;
  if (typeof v.tag === 'string' || v.tag === null) draft.tag = v.tag;
  if (typeof v.cacheRef === 'string' || v.cacheRef === null) draft.cacheRef = v.cacheRef;
  if (Array.isArray(v.platforms)) draft.platforms = v.platforms.filter((p): p is string => typeof p === 'string');
  return draft;
}

function parseSample(value: unknown): TutorialInitResult | null {
  if (!value || typeof value !== 'object') return null;
  const v = value as Partial<TutorialInitResult>;
  return typeof v.dir === 'string' && typeof v.base === 'string' && typeof v.dockerfile === 'string' ? (v as TutorialInitResult) : null;
}

export function readLocal(key: string): unknown {
  try {
    const raw = globalThis.localStorage?.getItem(key);
    return raw ? (JSON.parse(raw) as unknown) : null;
  } catch {
    return null;
  }
}

export function writeLocal(key: string, value: unknown): void {
  try {
    if (value === null) globalThis.localStorage?.removeItem(key);
    else globalThis.localStorage?.setItem(key, JSON.stringify(value));
  } catch {
    // storage refused (private window): the core's copy still holds it
  }
}

/** The folder the build would send, or null when there is none yet. */
export function buildContext(state: Pick<BuildState, 'draft' | 'sample'>): string | null {
  if (state.draft.source === 'sample') return state.sample?.dir ?? null;
  const folder = state.draft.folder.trim();
  return folder ? folder : null;
}

/** The sample on disk was written for another base image than the one now typed. */
export function sampleIsStale(state: Pick<BuildState, 'draft' | 'sample'>): boolean {
  return state.draft.source === 'sample' && state.sample !== null && (state.sample.base !== state.draft.base.trim() || state.sample.sample !== state.draft.sampleKind);
}

export function failureDetails(error: unknown): BuildFailureDetails | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const details = (error as { details?: unknown }).details;
  if (!details || typeof details !== 'object' || Array.isArray(details)) return undefined;
  return details as BuildFailureDetails;
}

function waitingProgress(platforms: string[]): PlatformProgress[] {
  return platforms.map((platform) => ({ platform, state: 'waiting', steps: [], finished: 0 }));
}

/** Asks once, on the first build, whether the app may tell the user when a long build ends; a refusal is fine. */
function askNotificationPermission(): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'default') return;
  try {
    void Notification.requestPermission().catch(() => undefined);
  } catch {
    // Some embedders throw instead of answering: the build goes on without notifications.
  }
}

function notifyIfAway(title: string, body: string, tookMs: number): void {
  if (tookMs < NOTIFY_AFTER_MS || typeof Notification === 'undefined') return;
  if (typeof document !== 'undefined' && document.hasFocus() && document.visibilityState === 'visible') return;
  if (Notification.permission !== 'granted') return;
  try {
    new Notification(title, { body });
  } catch {
    // Denied or unsupported here: the result is on screen either way.
  }
}

export const createBuildSlice =
  (api: ApiClient): StateCreator<StoreState, [], [], BuildSlice> =>
  (set, get) => {
    // browser mode: the server keeps the log and the page fetches what it shows (server/log-store.ts)
    const buildLog = api.logRange ? new RemoteLog(api.logRange.bind(api)) : new LogBuffer();
    if (buildLog instanceof RemoteLog) buildLog.onChange = () => set({ buildLogVersion: buildLog.version });
    let controller: AbortController | null = null;
    const patch = (p: Partial<BuildState>) => set({ build: { ...get().build, ...p } });

    const context = () => buildContext(get().build);
    // this browser's copy first (at once), the core's copy (survives a restart on another port) when it has none
    const remembered = { draft: parseDraft(readLocal(DRAFT_KEY)) ?? initialDraft(), sample: parseSample(readLocal(SAMPLE_KEY)) };
    const toCore = (key: 'build-draft' | 'build-sample', value: unknown) => void api.invoke('ui-state:set', { key, value }).catch(() => undefined);
    let draftTimer: ReturnType<typeof setTimeout> | undefined;
    const rememberDraft = (draft: BuildDraft) => {
      writeLocal(DRAFT_KEY, draft);
      // typing changes the draft on every key: the core's copy follows a moment later
      if (draftTimer) clearTimeout(draftTimer);
      draftTimer = setTimeout(() => toCore('build-draft', get().build.draft), 400);
    };
    const setSample = (sample: TutorialInitResult | null) => {
      writeLocal(SAMPLE_KEY, sample);
      toCore('build-sample', sample);
      patch({ sample });
    };
    /** The remembered sample is used only while its folder still holds it. */
    const recheckSample = (sample: TutorialInitResult) => {
      void get()
        .checkBuildProject()
        .then((check) => {
          if (!check && get().build.sample === sample) setSample(null);
        });
    };
    if (remembered.sample) queueMicrotask(() => recheckSample(remembered.sample!));
    let restored = false;

    return {
      buildLog,
      buildLogVersion: buildLog.version,
      build: {
        draft: remembered.draft,
        sample: remembered.sample,
        sampleBusy: false,
        sampleError: null,
        check: null,
        checkBusy: false,
        checkError: null,
        pendingWarnings: null,
        running: false,
        cancelling: false,
        since: null,
        callId: null,
        taskId: null,
        task: null,
        request: null,
        progress: null,
        result: null,
        failure: null,
        cancelled: false,
        lastReference: null,
        history: null,
        endedAt: null,
      },

      setBuildDraft: (p) => {
        const before = get().build;
        const draft = { ...before.draft, ...p };
        // A different project means a different Dockerfile: what was read (and warned about) no longer applies.
        const projectChanged = draft.source !== before.draft.source || draft.folder !== before.draft.folder || draft.dockerfile !== before.draft.dockerfile;
        rememberDraft(draft);
        patch({ draft, ...(projectChanged ? { check: null, checkError: null, pendingWarnings: null } : {}) });
      },

      createSample: async (overwrite = false) => {
        const { draft, sampleBusy } = get().build;
        if (sampleBusy) return false;
        patch({ sampleBusy: true, sampleError: null, checkError: null, pendingWarnings: null });
        try {
          const base = draft.base.trim() || SAMPLE_BASE_DEFAULT;
          const sample = await api.invoke('tutorial:init', { base, sample: draft.sampleKind, ...(draft.sampleDir.trim() ? { dir: draft.sampleDir.trim() } : {}), ...(overwrite ? { overwrite: true } : {}) });
          setSample(sample);
          patch({ sampleBusy: false, check: null });
          await get().checkBuildProject();
          return true;
        } catch (error) {
          const ui = toUiError(error);
          const details = (error as { details?: { sample?: unknown } } | null)?.details;
          patch({ sampleBusy: false, sampleError: { ...ui, exists: ui.code === 'conflict', isSample: !!details?.sample } });
          return false;
        }
      },

      useExistingSample: async () => {
        const { draft, sampleBusy } = get().build;
        if (sampleBusy) return false;
        patch({ sampleBusy: true, sampleError: null, checkError: null, pendingWarnings: null });
        try {
          const sample = await api.invoke('tutorial:init', { useExisting: true, sample: draft.sampleKind, ...(draft.sampleDir.trim() ? { dir: draft.sampleDir.trim() } : {}) });
          setSample(sample);
          // the base (and which sample) are the ones in the files now, so the view does not call them stale
          get().setBuildDraft({ base: sample.base, sampleKind: sample.sample });
          patch({ sampleBusy: false, check: null });
          await get().checkBuildProject();
          return true;
        } catch (error) {
          const ui = toUiError(error);
          patch({ sampleBusy: false, sampleError: { ...ui, exists: ui.code === 'conflict', isSample: false } });
          return false;
        }
      },

      checkBuildProject: async () => {
        const dir = context();
        if (!dir) return null;
        const { draft } = get().build;
        patch({ checkBusy: true, checkError: null });
        try {
          const check = await api.invoke('build:check', { context: dir, ...(draft.source === 'folder' && draft.dockerfile.trim() ? { dockerfile: draft.dockerfile.trim() } : {}) });
          patch({ check, checkBusy: false });
          return check;
        } catch (error) {
          patch({ check: null, checkBusy: false, checkError: toUiError(error) });
          return null;
        }
      },

      startBuild: async ({ tag, cacheRef, ignoreWarnings = false }) => {
        if (get().build.running) return;
        const dir = context();
        if (!dir) return;
        patch({ pendingWarnings: null, failure: null, cancelled: false });
        const check = await get().checkBuildProject();
        if (!check) return;
        if (!ignoreWarnings && check.warnings.length > 0) {
          patch({ pendingWarnings: check.warnings });
          return;
        }
        const { draft } = get().build;
        askNotificationPermission();

        const input: BuildRunInput = { context: dir, platforms: draft.platforms, tag: tag.trim(), mode: draft.mode };
        if (draft.source === 'folder' && draft.dockerfile.trim()) input.dockerfile = draft.dockerfile.trim();
        if (draft.builder) input.builder = draft.builder;
        if (draft.noCache) input.noCache = true;
        if (cacheRef) input.cacheRef = cacheRef.trim();

        buildLog.clear();
        set({ buildLogVersion: buildLog.version });
        const since = Date.now();
        const callId = newCallId();
        controller = new AbortController();
        patch({
          running: true,
          cancelling: false,
          since,
          callId,
          taskId: null,
          task: null,
          request: { mode: draft.mode, platforms: [...draft.platforms], tag: input.tag, context: dir },
          progress: waitingProgress(draft.platforms),
          result: null,
          failure: null,
          cancelled: false,
          endedAt: null,
        });
        try {
          const result = await api.invoke('build:run', input, { signal: controller.signal, callId });
          const endedAt = Date.now();
          patch({ running: false, cancelling: false, result, progress: result.timeline, lastReference: result.reference, endedAt });
          get().rememberTourImage({ reference: result.reference, digest: result.digest, platforms: result.platforms });
          notifyIfAway('Build finished', `${result.reference} was pushed with ${result.platforms.length} platforms.`, endedAt - since);
          // The history is a comparison aid: when it cannot be read, the result still stands on its own.
          patch({ history: await api.invoke('build:history', { reference: result.reference, limit: 10 }).catch(() => null) });
        } catch (error) {
          const endedAt = Date.now();
          const ui = toUiError(error);
          const details = failureDetails(error);
          const cancelled = ui.code === 'cancelled';
          const fields = fieldErrorsFrom(error);
          const failure: BuildFailure = { ...ui, ...(details ? { details } : {}), ...(Object.keys(fields).length ? { fields } : {}) };
          const progress = details?.timeline ?? markEnded(get().build.progress, cancelled ? 'cancelled' : 'error');
          patch({ running: false, cancelling: false, cancelled, failure: cancelled ? null : failure, progress, endedAt });
          notifyIfAway(cancelled ? 'Build cancelled' : 'Build failed', cancelled ? `${input.tag} was not pushed.` : ui.message, endedAt - since);
        } finally {
          controller = null;
        }
      },

      cancelBuild: async () => {
        const { running, cancelling } = get().build;
        if (!running || cancelling) return;
        patch({ cancelling: true });
        // The call ends here at once; the cancel message aborts it in the core, even before its task exists
        // (e.g. while the buildx probe still runs), and the task's last update says how it ended.
        controller?.abort();
      },

      restoreRemembered: async () => {
        if (restored) return;
        restored = true;
        let state: Partial<Record<'build-draft' | 'build-sample' | 'tour-image', unknown>>;
        try {
          state = await api.invoke('ui-state:get', {});
        } catch {
          return;
        }
        const { build } = get();
        const untouched = JSON.stringify(build.draft) === JSON.stringify(initialDraft());
        const draft = parseDraft(state['build-draft']);
        if (draft && untouched && readLocal(DRAFT_KEY) === null) {
          writeLocal(DRAFT_KEY, draft);
          patch({ draft });
        }
        const sample = parseSample(state['build-sample']);
        if (sample && !get().build.sample) {
          writeLocal(SAMPLE_KEY, sample);
          patch({ sample });
          recheckSample(sample);
        }
        get().restoreTourImage(state['tour-image']);
      },

      dismissBuildWarnings: () => patch({ pendingWarnings: null }),
      dismissBuildOutcome: () => patch({ failure: null, cancelled: false }),
    };
  };

/** Steps still running when a build ended without a final timeline end the way the build did. */
function markEnded(progress: PlatformProgress[] | null, state: 'cancelled' | 'error'): PlatformProgress[] | null {
  if (!progress) return null;
  return progress.map((p) => ({
    ...p,
    state: p.state === 'running' || p.state === 'waiting' ? state : p.state,
    steps: p.steps.map((s) => (s.state === 'running' ? { ...s, state } : s)),
  }));
}

export const selectBuild = (s: StoreState) => s.build;
export const selectBuildLog = (s: StoreState) => s.buildLog;
export const selectBuildLogVersion = (s: StoreState) => s.buildLogVersion;

/**
 * Follows this window's build: adopts the task that carries the build call's id, and takes that task's log
 * lines and progress; events of other builds (another window, the CLI) are left alone.
 */
export function watchBuild(api: ApiClient, getState: () => StoreState, setState: (p: Partial<StoreState>) => void): () => void {
  const patch = (p: Partial<BuildState>) => setState({ build: { ...getState().build, ...p } });
  const ours = (taskId: string) => getState().build.taskId === taskId;
  const offs = [
    api.on('task:update', (task) => {
      const b = getState().build;
      if (b.taskId === task.id) patch({ task });
      else if (!b.taskId && b.callId !== null && task.callId === b.callId) patch({ taskId: task.id, task });
    }),
    api.on('build:log', (event) => {
      if (!ours(event.taskId)) return;
      const log = getState().buildLog;
      const tail = (event as { tail?: LogTailInfo }).tail;
      if (log instanceof RemoteLog) {
        if (tail) log.apply(tail, event.lines);
      } else log.append(event.lines);
      setState({ buildLogVersion: log.version });
    }),
    api.on('build:progress', (event) => {
      if (!ours(event.taskId)) return;
      // The final timeline of a finished build comes with its result; a late event must not undo it.
      if (!getState().build.running) return;
      patch({ progress: event.platforms });
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
