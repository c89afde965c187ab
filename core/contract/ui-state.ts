/**
 * What the views remember between sessions (the Build view's choices, the sample, the tour's image), kept by
 * the core in the data folder so a restart finds it, whichever front or browser origin asks (browser mode gets
 * a new port, hence a new localStorage, on every start).
 */
import * as z from 'zod';
import { channel } from './define.js';

export const UiStateKey = z.enum(['build-draft', 'build-sample', 'tour-image']);
export type UiStateKey = z.infer<typeof UiStateKey>;

/** One remembered value: plain JSON, at most 64 KiB of it; null forgets the key. */
const UiStateValue = z.unknown().refine((v) => {
  try {
    const text = JSON.stringify(v);
    return text === undefined ? v === undefined : text.length <= 65_536;
  } catch {
    return false;
  }
}, 'a remembered value is plain JSON of at most 64 KiB');

export const UiStateSetInput = z.object({ key: UiStateKey, value: UiStateValue }).strict();

export type UiState = Partial<Record<UiStateKey, unknown>>;

export const uiStateChannels = {
  'ui-state:get': channel<UiState>()(z.object({}).strict()),
  'ui-state:set': channel<{ saved: boolean }>()(UiStateSetInput),
} as const;
