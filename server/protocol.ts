/**
 * The WebSocket wire protocol between the browser renderer and the server.
 * Client -> server: the contract's call messages (invoke a channel with a fresh call id, or cancel that id).
 * Server -> client: the result envelope of an invoke, a core event, or several events in order (`events`:
 * what the core emitted within one tick of the event loop, one frame instead of many; see EventBatcher).
 * A `build:log` event travels packed (core/contract/log-wire.ts): `{event: 'build:log', packed: {taskId, kinds, k, t}}`;
 * when the server keeps the logs (server/log-store.ts), as the log's state and its newest lines only:
 * `{event: 'build:log', tail: {taskId, total, dropped, counts, from, packed}}`, the rest fetched by `log:range`.
 */
import { CallId, CallMessage } from '../core/contract/calls.js';
import type { Envelope } from '../core/contract/envelope.js';
import type { SerializedError } from '../core/contract/errors.js';
import type { EventEnvelope, EventMap, EventName } from '../core/contract/events.js';
import { packLogLines, type PackedLogLines } from '../core/contract/log-wire.js';
import type { LogTail, ServerLogs } from './log-store.js';

export type MessageId = CallId;
export const ClientMessage = CallMessage;
export type ClientMessage = CallMessage;

/** A `build:log` event on the wire: its lines packed. */
export interface PackedLogEnvelope {
  event: 'build:log';
  packed: PackedLogLines & { taskId: string };
}

/** A `build:log` update when the server keeps the log: where it stands and its newest lines. */
export interface LogTailEnvelope {
  event: 'build:log';
  tail: LogTail;
}

/** An event as it travels: as the core emitted it, or packed (`build:log`). */
export type WireEventEnvelope = Exclude<EventEnvelope, { event: 'build:log' }> | PackedLogEnvelope | LogTailEnvelope;

export type ServerMessage =
  | { type: 'result'; id: MessageId | null; envelope: Envelope }
  | { [E in Exclude<EventName, 'build:log'>]: { type: 'event'; event: E; payload: EventMap[E] } }[Exclude<EventName, 'build:log'>]
  | ({ type: 'event' } & PackedLogEnvelope)
  | ({ type: 'event' } & LogTailEnvelope)
  | { type: 'events'; events: WireEventEnvelope[] };

/**
 * Above this much queued JSON a batch goes out at once. Frames of a few hundred kilobytes let the browser parse
 * and draw one while the next is still arriving; one of a megabyte or more arrives whole before any work starts,
 * and its parse takes longer than a frame.
 */
const BATCH_MAX_CHARS = 256_000;
/** What a packed line weighs besides its text: its kind's index, quotes and commas. */
const PACKED_LINE_CHARS = 8;

export function toWire(event: EventEnvelope): WireEventEnvelope {
  if (event.event !== 'build:log') return event;
  return { event: 'build:log', packed: { taskId: event.payload.taskId, ...packLogLines(event.payload.lines) } };
}

/**
 * Queues a connection's events and sends what one tick of the event loop produced as one frame: a busy build
 * emits `build:log` faster than a browser takes frames, and each frame costs it a message event and a parse
 * of its own. Consecutive `build:log` events of one task become one event with all their lines, in order.
 * `flush()` before sending a result keeps events and results in the order the core produced them.
 * Given the server's logs (which must have taken the event first), a `build:log` goes out as its log's state
 * and newest lines at the time of sending: however many lines a tick brought, a frame of a few kilobytes.
 */
export class EventBatcher {
  private queue: Array<EventEnvelope | LogTailMark> = [];
  private chars = 0;
  private scheduled: NodeJS.Immediate | undefined;

  constructor(
    private readonly sendText: (text: string) => void,
    private readonly logs?: ServerLogs,
  ) {}

  push(event: EventEnvelope): void {
    const last = this.queue.at(-1);
    if (event.event === 'build:log' && this.logs) {
      // lines are not queued: the flush sends the log's newest lines, once per run of this task's events
      if (!(last && 'tailOf' in last && last.tailOf === event.payload.taskId)) this.queue.push({ tailOf: event.payload.taskId });
      this.scheduled ??= setImmediate(() => this.flush());
      return;
    }
    const lastEvent = last && !('tailOf' in last) ? last : undefined;
    if (event.event === 'build:log' && lastEvent?.event === 'build:log' && lastEvent.payload.taskId === event.payload.taskId) {
      for (const line of event.payload.lines) lastEvent.payload.lines.push(line);
    } else if (event.event === 'build:log') {
      // a copy the queue owns, so later lines can join it without touching the emitter's array
      this.queue.push({ event: 'build:log', payload: { ...event.payload, lines: event.payload.lines.slice() } });
    } else this.queue.push(event);
    this.chars += event.event === 'build:log' ? event.payload.lines.reduce((n, l) => n + l.text.length + PACKED_LINE_CHARS, 0) : 200;
    if (this.chars >= BATCH_MAX_CHARS) this.flush();
    else this.scheduled ??= setImmediate(() => this.flush());
  }

  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const events = this.queue;
    if (!events.length) return;
    this.queue = [];
    this.chars = 0;
    const wire: WireEventEnvelope[] = [];
    for (const e of events) {
      if (!('tailOf' in e)) wire.push(toWire(e));
      else {
        const tail = this.logs?.tail(e.tailOf);
        if (tail) wire.push({ event: 'build:log', tail });
      }
    }
    if (!wire.length) return;
    const message: ServerMessage = wire.length === 1 ? { type: 'event', ...wire[0]! } : { type: 'events', events: wire };
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch {
      return; // an event that cannot be serialised is dropped, as a lone one always was
    }
    this.sendText(text);
  }

  /** Drops what is queued (the socket went away). */
  close(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.queue = [];
    this.chars = 0;
  }
}

/** In the queue: "send this task's log tail here". */
interface LogTailMark {
  tailOf: string;
}

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
