/**
 * A random call id, made by a front for each call (see calls.ts). Apart from the schemas in calls.ts, so the
 * renderer's first page makes ids without loading zod (issue 15).
 */

/** A random call id (122 bits), from Web Crypto, which Node, browsers and Electron's renderer all have. */
export function newCallId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return `c-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
