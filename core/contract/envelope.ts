import type { SerializedError } from './errors.js';

/** The shape every call result takes on the wire. */
export type Envelope<T = unknown> = { ok: true; result: T } | { ok: false; error: SerializedError };
