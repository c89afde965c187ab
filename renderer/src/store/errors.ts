import type { UiError } from './types.js';

export function toUiError(error: unknown): UiError {
  if (error && typeof error === 'object' && 'code' in error && 'message' in error) {
    const e = error as { code: unknown; message: unknown; hint?: unknown };
    const out: UiError = { code: String(e.code), message: String(e.message) };
    if (typeof e.hint === 'string') out.hint = e.hint;
    const details = (error as { details?: { action?: unknown; registry?: unknown } }).details;
    // The core names one action for a registry that answered plain HTTP: the screens offer it as a button.
    if (details?.action === 'add-plain-http-registry' && typeof details.registry === 'string') out.plainHttpRegistry = details.registry;
    return out;
  }
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}
