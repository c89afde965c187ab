/**
 * The local registry (its container, as the engine sees it) and the registry browser (what it holds).
 * Status is refetched after every action and on engine events, never patched by hand: the engine is the truth.
 */
import type { StateCreator } from 'zustand';
import type { ImageInspection, RegistryCatalog, RegistryDeleteResult, RegistryTags } from '../../../core/contract/registry.js';
import type { RegistryCheckResult } from '../../../core/contract/registry-check.js';
import type {
  RegistryDownResult,
  RegistryGcResult,
  RegistryStatus,
  RegistryUpRequest,
  RegistryUpResult,
  RegistryVolumeUsage,
} from '../../../core/contract/registry-lifecycle.js';
import type { ApiClient, InvokeOptions } from '../api/types.js';
import { newCallId } from '../../../core/contract/call-id.js';
import { toUiError } from './errors.js';
import type { StoreState, UiError } from './types.js';

export type RegistryAction = 'up' | 'stop' | 'start' | 'down' | 'gc' | 'check';

/** An action's error; a port clash also carries the free port the core found next to it. */
export interface RegistryActionError extends UiError {
  action: RegistryAction;
  suggestedPort?: number;
  /** The port is held by a container that is a registry: it can be used as it is. */
  registryOnPort?: string;
}

export interface RegistryState {
  status: RegistryStatus | null;
  loading: boolean;
  error: UiError | null;
  busy: RegistryAction | null;
  /** The id of the running (or last) action's call: a task it starts carries this id. */
  busyCallId: string | null;
  actionError: RegistryActionError | null;
  lastUp: RegistryUpResult | null;
  lastDown: RegistryDownResult | null;
  lastGc: RegistryGcResult | null;
  /** The dry run shown in the garbage-collection dialog: what would go and what stays. */
  gcPlan: RegistryGcResult | null;
  gcPlanError: UiError | null;
  gcPlanLoading: boolean;
  lastCheck: RegistryCheckResult | null;
  /** With no container, what the settings' volume already holds (it comes back on the next start). */
  leftover: RegistryVolumeUsage | null;
}

export interface RegistryBrowserState {
  /** host:port being browsed; follows the local registry's published address. */
  address: string | null;
  catalog: RegistryCatalog | null;
  catalogLoading: boolean;
  catalogError: UiError | null;
  repository: string | null;
  tags: RegistryTags | null;
  tagsLoading: boolean;
  tagsError: UiError | null;
  tag: string | null;
  inspection: ImageInspection | null;
  inspectLoading: boolean;
  inspectError: UiError | null;
  deleting: boolean;
  deleteError: UiError | null;
  deleted: RegistryDeleteResult | null;
  /** What deleting the selected tag would remove and keep, read before asking. */
  deletePlan: RegistryDeleteResult | null;
  deletePlanLoading: boolean;
}

export interface RegistrySlice {
  registry: RegistryState;
  registryBrowser: RegistryBrowserState;
  refreshRegistry(): Promise<void>;
  /** Resolves true when the registry is up. */
  startRegistry(options: RegistryUpRequest): Promise<boolean>;
  stopRegistry(): Promise<void>;
  resumeRegistry(): Promise<void>;
  removeRegistry(removeVolume: boolean): Promise<boolean>;
  /** What removing the volume would lose; rejects with a UiError. */
  readRegistryVolumeUsage(): Promise<RegistryVolumeUsage>;
  /** Resolves true when the collection finished. */
  collectRegistryGarbage(deleteUntagged: boolean): Promise<boolean>;
  planRegistryGc(): Promise<void>;
  checkRegistry(): Promise<void>;
  dismissRegistryNotice(which: 'actionError' | 'lastUp' | 'lastDown' | 'lastGc' | 'lastCheck'): void;
  loadCatalog(): Promise<void>;
  openRepository(repository: string): Promise<void>;
  openTag(tag: string): Promise<void>;
  planDeleteSelectedTag(): Promise<void>;
  deleteSelectedTag(withChildren?: boolean): Promise<boolean>;
}

const emptyBrowser: RegistryBrowserState = {
  address: null,
  catalog: null,
  catalogLoading: false,
  catalogError: null,
  repository: null,
  tags: null,
  tagsLoading: false,
  tagsError: null,
  tag: null,
  inspection: null,
  inspectLoading: false,
  inspectError: null,
  deleting: false,
  deleteError: null,
  deleted: null,
  deletePlan: null,
  deletePlanLoading: false,
};

export function suggestedPortOf(error: unknown): number | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const details = (error as { details?: unknown }).details;
  if (!details || typeof details !== 'object') return undefined;
  const port = (details as { suggestedPort?: unknown }).suggestedPort;
  return typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

function actionError(action: RegistryAction, error: unknown): RegistryActionError {
  const out: RegistryActionError = { ...toUiError(error), action };
  const port = suggestedPortOf(error);
  if (port !== undefined) out.suggestedPort = port;
  const holder = (error as { details?: { holder?: { container?: { name?: unknown; isRegistry?: unknown } } } } | null)?.details?.holder?.container;
  if (holder && holder.isRegistry === true && typeof holder.name === 'string') out.registryOnPort = holder.name;
  return out;
}

/** The address to browse: only a running, published registry has one. */
export function browseAddress(status: RegistryStatus | null): string | null {
  // a registry that does not answer has nothing to list: the view says it does not answer instead
  if (!status?.exists || !status.isRegistry || !status.running || !status.address || !status.health?.ok) return null;
  return status.address;
}

export function imageRef(address: string, repository: string, tag: string): string {
  return `${address}/${repository}:${tag}`;
}

export const createRegistrySlice =
  (api: ApiClient): StateCreator<StoreState, [], [], RegistrySlice> =>
  (set, get) => {
    let statusInFlight: Promise<void> | null = null;
    let statusAgain = false;
    /** Each browser request carries a number; answers to an older request are dropped. */
    let browseSeq = 0;

    const patch = (p: Partial<RegistryState>) => set({ registry: { ...get().registry, ...p } });
    const patchBrowser = (p: Partial<RegistryBrowserState>) => set({ registryBrowser: { ...get().registryBrowser, ...p } });

    const statusName = () => {
      const s = get().registry.status;
      return s ? { name: s.name } : {};
    };

    const followAddress = (status: RegistryStatus | null) => {
      const address = browseAddress(status);
      // one read, one number: every status refresh reads the list again, so the count and the list agree
      if (address === get().registryBrowser.address) {
        if (address) void get().loadCatalog();
        return;
      }
      browseSeq += 1;
      set({ registryBrowser: { ...emptyBrowser, address } });
      if (address) void get().loadCatalog();
    };

    const loadStatus = async () => {
      patch({ loading: true });
      try {
        const status = await api.invoke('registry:status', {});
        let leftover: RegistryVolumeUsage | null = null;
        if (!status.exists) {
          try {
            const usage = await api.invoke('registry:volume-usage', {});
            if (usage.exists) leftover = usage;
          } catch {
            // Only a courtesy line in the empty state.
          }
        }
        patch({ status, loading: false, error: null, leftover });
        followAddress(status);
      } catch (error) {
        patch({ loading: false, error: toUiError(error) });
      }
    };

    const runAction = async <T>(action: RegistryAction, call: (options: InvokeOptions) => Promise<T>, keep: (result: T) => Partial<RegistryState>): Promise<boolean> => {
      if (get().registry.busy) return false;
      const callId = newCallId();
      patch({ busy: action, busyCallId: callId, actionError: null, lastUp: null, lastDown: null, lastGc: null, ...(action === 'check' || action === 'gc' ? { lastCheck: null } : {}) });
      try {
        const result = await call({ callId });
        patch({ busy: null, ...keep(result) });
        return true;
      } catch (error) {
        patch({ busy: null, actionError: actionError(action, error) });
        return false;
      } finally {
        await get().refreshRegistry();
      }
    };

    return {
      registry: {
        status: null,
        loading: false,
        error: null,
        busy: null,
        busyCallId: null,
        actionError: null,
        lastUp: null,
        lastDown: null,
        lastGc: null,
        gcPlan: null,
        gcPlanError: null,
        gcPlanLoading: false,
        lastCheck: null,
        leftover: null,
      },
      registryBrowser: emptyBrowser,

      refreshRegistry: async () => {
        // Engine events come in bursts: one request at a time, and one more after it if asked meanwhile.
        if (statusInFlight) {
          statusAgain = true;
          return statusInFlight;
        }
        statusInFlight = (async () => {
          do {
            statusAgain = false;
            await loadStatus();
          } while (statusAgain);
        })().finally(() => {
          statusInFlight = null;
        });
        return statusInFlight;
      },

      startRegistry: (options) => runAction('up', (o) => api.invoke('registry:up', options, o), (lastUp) => ({ lastUp })),
      stopRegistry: async () => {
        await runAction('stop', (o) => api.invoke('registry:stop', statusName(), o), () => ({}));
      },
      resumeRegistry: async () => {
        await runAction('start', (o) => api.invoke('registry:start', statusName(), o), () => ({}));
      },
      removeRegistry: (removeVolume) => runAction('down', (o) => api.invoke('registry:down', { ...statusName(), removeVolume }, o), (lastDown) => ({ lastDown })),
      readRegistryVolumeUsage: async () => {
        try {
          return await api.invoke('registry:volume-usage', statusName());
        } catch (error) {
          throw toUiError(error);
        }
      },
      collectRegistryGarbage: (deleteUntagged) =>
        runAction('gc', (o) => api.invoke('registry:gc', { ...statusName(), ...(deleteUntagged ? { deleteUntagged: true } : {}) }, o), (lastGc) => ({ lastGc, lastCheck: lastGc.check })),
      planRegistryGc: async () => {
        patch({ gcPlan: null, gcPlanError: null, gcPlanLoading: true });
        try {
          const gcPlan = await api.invoke('registry:gc', { ...statusName(), dryRun: true, deleteUntagged: true });
          patch({ gcPlan, gcPlanLoading: false });
        } catch (error) {
          patch({ gcPlanError: toUiError(error), gcPlanLoading: false });
        }
      },
      checkRegistry: async () => {
        await runAction('check', (o) => api.invoke('registry:check', statusName(), o), (lastCheck) => ({ lastCheck }));
      },
      dismissRegistryNotice: (which) => patch({ [which]: null }),

      loadCatalog: async () => {
        const address = get().registryBrowser.address;
        if (!address) return;
        const seq = ++browseSeq;
        patchBrowser({ catalogLoading: true, catalogError: null });
        try {
          const catalog = await api.invoke('registry:catalog', { registry: address });
          if (seq !== browseSeq) return;
          patchBrowser({ catalog, catalogLoading: false });
          const { repository } = get().registryBrowser;
          // Keep the open repository when it is still there; otherwise start from the list again.
          if (repository && !catalog.repositories.includes(repository)) patchBrowser({ repository: null, tags: null, tag: null, inspection: null });
          else if (repository) void get().openRepository(repository);
        } catch (error) {
          if (seq !== browseSeq) return;
          patchBrowser({ catalogLoading: false, catalogError: toUiError(error) });
        }
      },

      openRepository: async (repository) => {
        const address = get().registryBrowser.address;
        if (!address) return;
        const seq = ++browseSeq;
        const same = get().registryBrowser.repository === repository;
        patchBrowser({
          repository,
          tagsLoading: true,
          tagsError: null,
          deleteError: null,
          ...(same ? {} : { tags: null, tag: null, inspection: null, inspectError: null, deleted: null }),
        });
        try {
          const tags = await api.invoke('registry:tags', { registry: address, repository });
          if (seq !== browseSeq) return;
          patchBrowser({ tags, tagsLoading: false });
          const { tag } = get().registryBrowser;
          if (tag && !tags.tags.includes(tag)) patchBrowser({ tag: null, inspection: null });
        } catch (error) {
          if (seq !== browseSeq) return;
          patchBrowser({ tagsLoading: false, tagsError: toUiError(error) });
        }
      },

      openTag: async (tag) => {
        const { address, repository } = get().registryBrowser;
        if (!address || !repository) return;
        const seq = ++browseSeq;
        patchBrowser({ tag, inspection: null, inspectLoading: true, inspectError: null, deleteError: null, deleted: null });
        try {
          const inspection = await api.invoke('registry:inspect', { reference: imageRef(address, repository, tag) });
          if (seq !== browseSeq) return;
          patchBrowser({ inspection, inspectLoading: false });
        } catch (error) {
          if (seq !== browseSeq) return;
          patchBrowser({ inspectLoading: false, inspectError: toUiError(error) });
        }
      },

      planDeleteSelectedTag: async () => {
        const { address, repository, tag } = get().registryBrowser;
        if (!address || !repository || !tag) return;
        patchBrowser({ deletePlan: null, deletePlanLoading: true, deleteError: null });
        try {
          const deletePlan = await api.invoke('registry:delete', { reference: imageRef(address, repository, tag), plan: true });
          patchBrowser({ deletePlan, deletePlanLoading: false });
        } catch (error) {
          // a refusal (a platform an index still names) is shown where the delete would have been confirmed
          patchBrowser({ deletePlanLoading: false, deleteError: toUiError(error) });
        }
      },

      deleteSelectedTag: async (withChildren) => {
        const { address, repository, tag } = get().registryBrowser;
        if (!address || !repository || !tag) return false;
        patchBrowser({ deleting: true, deleteError: null, deleted: null });
        try {
          const deleted = await api.invoke('registry:delete', { reference: imageRef(address, repository, tag), ...(withChildren ? { withChildren: true } : {}) });
          patchBrowser({ deleting: false, deleted, deletePlan: null, tag: null, inspection: null });
          await get().loadCatalog();
          return true;
        } catch (error) {
          patchBrowser({ deleting: false, deleteError: toUiError(error) });
          return false;
        }
      },
    };
  };

export const selectRegistry = (s: StoreState) => s.registry;
export const selectRegistryBrowser = (s: StoreState) => s.registryBrowser;

const ENGINE_CHANGE_DEBOUNCE_MS = 300;

/**
 * Refetches the registry's status when the engine reports a change (a container started, a volume went)
 * or comes back, while the Registry view is the one on screen; the view loads it itself when opened.
 */
export function watchRegistry(api: ApiClient, getState: () => StoreState): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const soon = () => {
    if (getState().view !== 'registry') return;
    clearTimeout(timer);
    timer = setTimeout(() => void getState().refreshRegistry(), ENGINE_CHANGE_DEBOUNCE_MS);
  };
  const offs = [api.on('engine:changed', soon), api.on('engine:status', soon)];
  return () => {
    clearTimeout(timer);
    for (const off of offs) off();
  };
}
