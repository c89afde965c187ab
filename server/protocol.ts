/**
 * The WebSocket wire protocol between the browser renderer and the server.
 * Client -> server: the contract's call messages (invoke a channel with a fresh call id, or cancel that id).
 * Server -> client: the result envelope of an invoke, or a core event.
 */
import { CallId, CallMessage, type Envelope, type EventMap, type EventName, type SerializedError } from '../core/contract/index.js';

export type MessageId = CallId;
export const ClientMessage = CallMessage;
export type ClientMessage = CallMessage;

export type ServerMessage =
  | { type: 'result'; id: MessageId | null; envelope: Envelope }
  | { [E in EventName]: { type: 'event'; event: E; payload: EventMap[E] } }[EventName];

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
