import type { UiError } from './types.js';

export function toUiError(error: unknown): UiError {
  if (error && typeof error === 'object' && 'code' in error && 'message' in error) {
    const e = error as { code: unknown; message: unknown; hint?: unknown };
    const out: UiError = { code: String(e.code), message: String(e.message) };
    if (typeof e.hint === 'string') out.hint = e.hint;
    return out;
  }
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}
