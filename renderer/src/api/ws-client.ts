/**
 * The browser-mode front: one WebSocket to the local server, the contract's call messages
 * {type:'invoke'|'cancel', id} out and {type:'result'|'event'|'events'} in (see server/protocol.ts).
 * The token travels in an HttpOnly cookie set when the page was opened, so this code never sees it.
 */
import { AppError, deserializeError } from '../../../core/contract/errors.js';
import type { Envelope } from '../../../core/contract/envelope.js';
import type { CancelMessage, InvokeMessage } from '../../../core/contract/calls.js';
import { newCallId } from '../../../core/contract/call-id.js';
import { unpackLogLines } from '../../../core/contract/log-wire.js';
import type { ApiClient, ConnectionState, LogRangeAnswer, LogTailInfo } from './types.js';

/** The part of the WebSocket API this client uses, so tests can hand in the `ws` package's socket. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}

/**
 * The socket renderer/public/early-socket.js opened while the main bundle was still loading (browser mode, issue 15),
 * with what it received so far, and the id of the `doctor:report` call it sent once open.
 */
export interface EarlySocket {
  socket: SocketLike;
  /** Every message received before the client took the socket, in order. */
  messages: unknown[];
  /** True once its open event fired (the doctor call was then sent). */
  opened: boolean;
  doctorCallId: string;
}

export interface WsClientOptions {
  url: string;
  /** The early socket to take over instead of opening one (first connection only; ignored when it already closed). */
  early?: EarlySocket;
  /** Defaults to the browser's WebSocket. */
  createSocket?: (url: string) => SocketLike;
  /** First retry delay; doubles up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

const OPEN = 1;
const CONNECTING = 0;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  channel: string;
  cleanup: () => void;
}

export function connectionLostError(): AppError {
  return new AppError('engine-unreachable', 'Lost the connection to the Multiarch Lab server.', {
    hint: 'It reconnects by itself. If you stopped the server, start it again (multiarch-lab serve) and open the new address it prints.',
  });
}

export function createWsClient(options: WsClientOptions): ApiClient {
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
  const initialDelay = options.initialDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 10_000;

  let socket: SocketLike | null = null;
  let state: ConnectionState = 'connecting';
  let everConnected = false;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const pending = new Map<string, Pending>();
  /** Calls made while the socket is still opening; sent on open. */
  const queue: string[] = [];
  const eventListeners = new Map<string, Set<(payload: unknown) => void>>();
  const stateListeners = new Set<(state: ConnectionState) => void>();

  const setState = (next: ConnectionState) => {
    if (state === next) return;
    state = next;
    for (const l of stateListeners) l(next);
  };

  const failAll = () => {
    queue.length = 0;
    for (const [id, p] of pending) {
      pending.delete(id);
      p.cleanup();
      p.reject(connectionLostError());
    }
  };

  const onMessage = (data: unknown) => {
    if (typeof data !== 'string') return;
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (!message || typeof message !== 'object') return;
    const m = message as { type?: unknown; id?: unknown; envelope?: Envelope; event?: unknown; payload?: unknown; packed?: unknown; tail?: unknown; events?: unknown };
    if (m.type === 'result' && typeof m.id === 'string') {
      const p = pending.get(m.id);
      if (!p) {
        // the early doctor:report answered before anyone asked: kept for the first who does
        if (earlyDoctor && m.id === earlyDoctor.id && earlyDoctor.answer === undefined) earlyDoctor.answer = data;
        return;
      }
      pending.delete(m.id);
      p.cleanup();
      const envelope = m.envelope;
      if (envelope && envelope.ok === true) p.resolve(envelope.result);
      else p.reject(deserializeError(envelope?.ok === false ? envelope.error : { code: 'internal', message: `The server answered ${p.channel} with something that is not a result.` }));
    } else if (m.type === 'event') {
      deliver(m);
    } else if (m.type === 'events' && Array.isArray(m.events)) {
      // what the server's core emitted within one tick, in order (server/protocol.ts EventBatcher)
      for (const e of m.events) deliver(e as { event?: unknown; payload?: unknown; packed?: unknown; tail?: unknown });
    }
  };

  const deliver = (e: { event?: unknown; payload?: unknown; packed?: unknown; tail?: unknown }) => {
    if (typeof e.event !== 'string') return;
    const listeners = eventListeners.get(e.event);
    if (!listeners?.size) return;
    let payload = e.payload;
    if (e.event === 'build:log' && e.packed !== undefined) {
      // log lines travel packed (core/contract/log-wire.ts); listeners get them as the core emitted them
      const taskId = (e.packed as { taskId?: unknown } | null)?.taskId;
      const lines = unpackLogLines(e.packed);
      if (typeof taskId !== 'string' || !lines) return;
      payload = { taskId, lines };
    } else if (e.event === 'build:log' && e.tail !== undefined) {
      // the server keeps the log (server/log-store.ts): its state and newest lines; the rest by logRange
      const tail = readLogState(e.tail);
      const from = (e.tail as { from?: unknown }).from;
      const lines = unpackLogLines((e.tail as { packed?: unknown }).packed);
      if (!tail || typeof from !== 'number' || !lines) return;
      payload = { taskId: tail.taskId, lines, tail: { ...tail, from } satisfies LogTailInfo };
    }
    for (const l of listeners) {
      try {
        l(payload);
      } catch (error) {
        console.error('[multiarch-lab] event listener failed:', error);
      }
    }
  };

  // The early socket's doctor:report (see EarlySocket): the page's first doctor:report call takes it instead of
  // sending another. `answer` holds its result message when that came before the call.
  let earlyDoctor: { id: string; answer?: string } | undefined;

  const connect = () => {
    if (closed) return;
    retryTimer = undefined;
    const early = options.early;
    options.early = undefined;
    const adopt = early !== undefined && (early.socket.readyState === OPEN || early.socket.readyState === CONNECTING);
    const s = adopt ? early.socket : createSocket(options.url);
    socket = s;
    const onOpen = () => {
      attempt = 0;
      everConnected = true;
      setState('connected');
      for (const frame of queue.splice(0)) s.send(frame);
    };
    s.onopen = onOpen;
    s.onmessage = (event) => onMessage(event.data);
    s.onerror = () => {
      // onclose follows and does the work
    };
    s.onclose = () => {
      if (socket !== s) return;
      socket = null;
      // the early doctor call went with its socket: the next doctor:report is sent afresh
      earlyDoctor = undefined;
      failAll();
      if (closed) return;
      setState(everConnected ? 'reconnecting' : 'connecting');
      const delay = Math.min(maxDelay, initialDelay * 2 ** attempt) * (0.75 + Math.random() * 0.5);
      attempt += 1;
      retryTimer = setTimeout(connect, delay);
    };
    if (adopt) {
      // its doctor call was sent at its open (or will be, by its own open handler, which this replaced: send it here)
      earlyDoctor = { id: early.doctorCallId };
      if (early.opened) onOpen();
      else
        s.onopen = () => {
          s.send(JSON.stringify({ type: 'invoke', id: early.doctorCallId, channel: 'doctor:report', input: {} } satisfies InvokeMessage));
          onOpen();
        };
      for (const data of early.messages.splice(0)) onMessage(data);
    }
  };

  connect();

  const call = (channel: string, input: unknown, opts?: { signal?: AbortSignal; callId?: string }): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (closed) {
        reject(new AppError('cancelled', 'The connection was closed.'));
        return;
      }
      if (opts?.signal?.aborted) {
        reject(new AppError('cancelled', 'The request was cancelled.'));
        return;
      }
      const current = socket;
      // Fail fast while the server is away rather than leaving the screen waiting; the store refetches on reconnect.
      if (!current || (current.readyState !== OPEN && current.readyState !== CONNECTING)) {
        reject(connectionLostError());
        return;
      }
      // the first doctor:report takes the one the early socket sent (its answer may be here already)
      const takeEarly = earlyDoctor !== undefined && channel === 'doctor:report' && opts?.callId === undefined && !pending.has(earlyDoctor.id);
      const id = takeEarly && earlyDoctor ? earlyDoctor.id : (opts?.callId ?? newCallId());
      if (pending.has(id)) {
        reject(new AppError('invalid-input', `A call with id ${JSON.stringify(id)} is still running.`, { hint: 'Use a new id for every call.' }));
        return;
      }
      const frame = JSON.stringify({ type: 'invoke', id, channel, input } satisfies InvokeMessage);
      const onAbort = () => {
        if (!pending.has(id)) return;
        pending.delete(id);
        const queued = queue.indexOf(frame);
        // not sent yet: drop it; sent: the server aborts the call's signal in the core
        if (queued >= 0) queue.splice(queued, 1);
        else if (socket?.readyState === OPEN) socket.send(JSON.stringify({ type: 'cancel', id } satisfies CancelMessage));
        reject(new AppError('cancelled', 'The request was cancelled.'));
      };
      opts?.signal?.addEventListener('abort', onAbort, { once: true });
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, channel, cleanup: () => opts?.signal?.removeEventListener('abort', onAbort) });
      if (takeEarly && earlyDoctor) {
        // already sent: wait for its answer, or take the one that came (once: the next call sends its own)
        const answer = earlyDoctor.answer;
        earlyDoctor = undefined;
        if (answer !== undefined) onMessage(answer);
        return;
      }
      if (current.readyState === OPEN) current.send(frame);
      else queue.push(frame);
    });

  return {
    invoke(channel, input, opts) {
      return call(channel, input, opts) as Promise<never>;
    },
    async logRange(taskId, filter, start, end) {
      const answer = (await call('log:range', { taskId, filter, start, end })) as Record<string, unknown> | null;
      const state = readLogState(answer);
      const lines = unpackLogLines(answer?.packed);
      if (!answer || !state || !lines || typeof answer.start !== 'number') throw new AppError('internal', 'The server answered a log range with something that is not one.');
      return { ...state, filter, start: answer.start, first: typeof answer.first === 'number' ? answer.first : null, lines } satisfies LogRangeAnswer;
    },
    on(event, listener) {
      let set = eventListeners.get(event);
      if (!set) {
        set = new Set();
        eventListeners.set(event, set);
      }
      const wrapped = listener as (payload: unknown) => void;
      set.add(wrapped);
      return () => set.delete(wrapped);
    },
    connectionState: () => state,
    onConnectionChange(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    close() {
      closed = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      const s = socket;
      socket = null;
      failAll();
      s?.close(1000, 'client closed');
    },
  };
}

/** A log's state as the server sends it (server/log-store.ts LogState); null when it is not one. */
function readLogState(value: unknown): Omit<LogTailInfo, 'from'> | null {
  if (!value || typeof value !== 'object') return null;
  const { taskId, total, dropped, counts } = value as Record<string, unknown>;
  if (typeof taskId !== 'string' || typeof total !== 'number' || typeof dropped !== 'number' || !counts || typeof counts !== 'object') return null;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(counts)) if (typeof v === 'number') out[k] = v;
  return { taskId, total, dropped, counts: out };
}
