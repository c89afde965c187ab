/**
 * Verify results in the registry browser, one per image reference: each platform's files read from the registry
 * (`registry:verify`), never patched here. A reference verified again replaces its result; an answer to an older
 * request for the same reference is dropped.
 */
import type { StateCreator } from 'zustand';
import type { VerifyReport } from '../../../core/contract/verify.js';
import type { ApiClient } from '../api/types.js';
import { toUiError } from './errors.js';
import type { StoreState, UiError } from './types.js';

export interface VerifyEntry {
  loading: boolean;
  report: VerifyReport | null;
  error: UiError | null;
}

export interface VerifySlice {
  verify: Record<string, VerifyEntry>;
  verifyReference(reference: string): Promise<void>;
  cancelVerify(reference: string): void;
}

export const createVerifySlice =
  (api: ApiClient): StateCreator<StoreState, [], [], VerifySlice> =>
  (set, get) => {
    const controllers = new Map<string, AbortController>();
    const put = (reference: string, entry: VerifyEntry) => set({ verify: { ...get().verify, [reference]: entry } });
    return {
      verify: {},
      verifyReference: async (reference) => {
        controllers.get(reference)?.abort();
        const controller = new AbortController();
        controllers.set(reference, controller);
        const before = get().verify[reference];
        put(reference, { loading: true, report: before?.report ?? null, error: null });
        try {
          const report = await api.invoke('registry:verify', { reference }, { signal: controller.signal });
          if (controllers.get(reference) !== controller) return;
          put(reference, { loading: false, report, error: null });
        } catch (error) {
          if (controllers.get(reference) !== controller) return;
          put(reference, { loading: false, report: null, error: toUiError(error) });
        } finally {
          if (controllers.get(reference) === controller) controllers.delete(reference);
        }
      },
      cancelVerify: (reference) => controllers.get(reference)?.abort(),
    };
  };
