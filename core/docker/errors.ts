/** What dockerode's errors say, in the engine's own words, and the one way a failed engine call becomes an AppError. */
import { AppError } from '../contract/errors.js';
import type { EngineAccess } from './engine.js';
import { formatCommand } from './exec.js';

/** The error codes with which a dropped, refused or missing engine connection shows up in dockerode. */
export const ENGINE_CONNECTION_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOENT', 'EPIPE', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENOTFOUND']);

export function isEngineConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ENGINE_CONNECTION_CODES.has(code);
}

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

/**
 * Turns a failed engine call into an AppError. A dropped connection also makes the engine be looked for
 * again, so the next call does not reuse a dead client. `command` is the docker CLI equivalent to suggest.
 */
export function engineFailure(engine: Pick<EngineAccess, 'invalidate'>, error: unknown, doing: string, command?: readonly string[]): AppError {
  if (error instanceof AppError) return error;
  if ((error as { name?: string })?.name === 'AbortError') return new AppError('cancelled', `Trying to ${doing} was cancelled.`);
  if (isEngineConnectionError(error)) {
    engine.invalidate();
    const code = (error as { code: string }).code;
    return new AppError('engine-unreachable', `The Docker engine stopped answering while trying to ${doing} (${code}).`, {
      hint: 'Check that Docker is running (multiarch-lab doctor tells what it finds), then try again.',
      cause: error,
    });
  }
  const status = statusCodeOf(error);
  return new AppError(status === 409 ? 'conflict' : status === 404 ? 'not-found' : 'command-failed', `The engine could not ${doing}: ${engineMessage(error)}`, {
    hint: command ? `Run the same thing yourself to see more: ${formatCommand(command)}` : 'Check the engine with multiarch-lab doctor, then try again.',
  });
}
