/**
 * Maps an `invalid-input` error's details (zod issues with paths) to form fields,
 * e.g. {"registry.port": "Too big: expected number to be <=65535"}.
 */
export function fieldErrorsFrom(error: unknown): Record<string, string> {
  if (!error || typeof error !== 'object') return {};
  const { code, details } = error as { code?: unknown; details?: unknown };
  if (code !== 'invalid-input' || !Array.isArray(details)) return {};
  const out: Record<string, string> = {};
  for (const issue of details as unknown[]) {
    if (!issue || typeof issue !== 'object') continue;
    const { path, message } = issue as { path?: unknown; message?: unknown };
    if (!Array.isArray(path) || typeof message !== 'string') continue;
    const key = path.map(String).join('.') || '(form)';
    out[key] ??= message;
  }
  return out;
}
