/** What dockerode's errors say, in the engine's own words. */

/** The engine's own words from a dockerode error: "(HTTP code 500) server error - <message>" → "<message>". */
export function engineMessage(error: unknown): string {
  const e = error as { json?: { message?: unknown } | null; message?: unknown; reason?: unknown };
  if (e?.json && typeof e.json === 'object' && typeof e.json.message === 'string') return e.json.message.trim();
  const message = typeof e?.message === 'string' ? e.message : String(error);
  const m = /^\(HTTP code \d+\) [^-]*- (.*)$/s.exec(message);
  return (m?.[1] ?? message).trim();
}

export function statusCodeOf(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}
