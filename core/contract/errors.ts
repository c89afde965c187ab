/**
 * Errors that cross a boundary (IPC, WebSocket, CLI --json) travel as plain objects
 * {code, message, hint} and are rebuilt as AppError on the other side.
 */
export const errorCodes = [
  'invalid-input',
  'unknown-channel',
  'engine-unreachable',
  'buildx-missing',
  'not-found',
  'conflict',
  'port-taken',
  'pull-failed',
  'command-failed',
  'registry-error',
  'unauthorized',
  'cancelled',
  'timeout',
  'unsupported',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface SerializedError {
  code: ErrorCode;
  message: string;
  /** What the user can do next, in plain words. */
  hint?: string;
  /** Structured extras (e.g. zod issues, the endpoints tried). Must be JSON-serializable. */
  details?: unknown;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: { hint?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  toJSON(): SerializedError {
    return serializeError(this);
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (errorCodes as readonly string[]).includes(value);
}

/** Turns anything thrown into the wire shape; unknown errors become `internal` without leaking stacks. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof AppError) {
    const out: SerializedError = { code: error.code, message: error.message };
    if (error.hint !== undefined) out.hint = error.hint;
    if (error.details !== undefined) out.details = error.details;
    return out;
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return { code: 'cancelled', message: 'The task was cancelled.' };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message: message || 'Unexpected error', hint: 'This is a bug in Multiarch Lab; please report it with the steps that led here.' };
}

/** Rebuilds an AppError from the wire shape, tolerating malformed input. */
export function deserializeError(value: unknown): AppError {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    const code = isErrorCode(v.code) ? v.code : 'internal';
    const message = typeof v.message === 'string' ? v.message : 'Unknown error';
    const opts: { hint?: string; details?: unknown } = {};
    if (typeof v.hint === 'string') opts.hint = v.hint;
    if (v.details !== undefined) opts.details = v.details;
    return new AppError(code, message, opts);
  }
  return new AppError('internal', String(value));
}

export function cancelledError(what = 'The task'): AppError {
  return new AppError('cancelled', `${what} was cancelled.`);
}
