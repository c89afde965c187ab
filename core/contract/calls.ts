/**
 * Calls as every transport carries them: each call has an id chosen by the caller, and one cancel message
 * names that id. Electron IPC and the browser-mode WebSocket send these same two messages; the core sees
 * the id as CallContext.callId and stamps it on every task the call starts, so a front follows its own task.
 */
import * as z from 'zod';

/** Letters, digits and `._:-`: safe in logs and JSON, long enough for a random id. */
export const CallId = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'a call id is 1 to 128 letters, digits, ".", "_", ":" or "-"');
export type CallId = z.infer<typeof CallId>;

export const InvokeMessage = z
  .object({ type: z.literal('invoke'), id: CallId, channel: z.string().max(128), input: z.unknown().optional() })
  .strict();
export type InvokeMessage = z.infer<typeof InvokeMessage>;

/** The one cancel message: the core aborts the named call's signal, and with it every task it started. */
export const CancelMessage = z.object({ type: z.literal('cancel'), id: CallId }).strict();
export type CancelMessage = z.infer<typeof CancelMessage>;

export const CallMessage = z.discriminatedUnion('type', [InvokeMessage, CancelMessage]);
export type CallMessage = z.infer<typeof CallMessage>;

// The id maker lives in a module without zod, so a front can make ids without loading the schemas.
export { newCallId } from './call-id.js';
