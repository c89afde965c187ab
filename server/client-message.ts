/**
 * Reading what a page sends over the WebSocket: the contract's call messages, checked by their zod schemas.
 * Apart from server/protocol.ts so the server listens before zod loads (issue 15): the first message arrives
 * after the page has loaded, and the core, which loads zod anyway, is usually in by then.
 */
import { CallId, CallMessage } from '../core/contract/calls.js';
import type { SerializedError } from '../core/contract/errors.js';
import type { MessageId } from './protocol.js';

export const ClientMessage = CallMessage;
export type ClientMessage = CallMessage;

export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; id: MessageId | null; error: SerializedError };

/** Parses one raw frame; never throws. On failure it still recovers the id when it can, so the caller can match the error. */
export function parseClientMessage(raw: string): ParsedClientMessage {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, id: null, error: { code: 'invalid-input', message: 'The message is not valid JSON.', hint: 'Send one JSON object per message: {"type":"invoke","id":"c-1","channel":"app:info","input":{}}.' } };
  }
  const parsed = ClientMessage.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const maybeId = json && typeof json === 'object' ? CallId.safeParse((json as Record<string, unknown>).id) : undefined;
  return {
    ok: false,
    id: maybeId?.success ? maybeId.data : null,
    error: {
      code: 'invalid-input',
      message: `The message is not a valid request: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ')}`,
      hint: 'Send {"type":"invoke","id":…,"channel":"domain:verb","input":{…}} or {"type":"cancel","id":…}.',
    },
  };
}
