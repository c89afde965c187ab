/**
 * Browser mode's WebSocket side: the connections a page opens, the calls they make (the contract's call messages,
 * checked against their schemas), the core's events sent back in batches, and the build logs the server keeps
 * for them (server/log-store.ts). server.ts loads this module once it listens (issue 15): ws and the schemas take
 * ~40 ms to load that serving the page does not need, and the page opens its WebSocket a few hundred ms after it
 * asked for the page. server.ts checks every upgrade (host, origin, token) before it gets here.
 */
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type * as Ws from 'ws';
import type { WebSocket, RawData } from 'ws';
import type { Core } from '../core/app.js';
import type { Dispatch } from '../core/dispatch.js';
import { AppError, serializeError } from '../core/contract/errors.js';
import type { Envelope } from '../core/contract/envelope.js';
import type { EventEnvelope } from '../core/contract/events.js';
import { EventBatcher, parseClientMessage, type ServerMessage } from './protocol.js';
import { answerLogRange, LOG_RANGE_CHANNEL, ServerLogs } from './log-store.js';
import { CallTracker, dispatchCall } from '../core/calls.js';

// ws is CommonJS: required, not imported (an ESM import of it runs Node's CommonJS export detection over each of
// its files again: 50-80 ms more)
const { WebSocketServer } = createRequire(import.meta.url)('ws') as typeof Ws;

const HEARTBEAT_MS = 30_000;

export interface ConnectionsOptions {
  /** The core; calls and events wait for it. */
  coreReady: Promise<Core>;
  /** The dispatch a connection's calls go to (the core's, or the server's warm call's answer first). */
  dispatchFor: (core: Core) => Dispatch;
  /** Frames larger than this close the socket. */
  maxPayload: number;
}

export interface Connections {
  /** Takes an upgrade request the server has already checked. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Says goodbye to every connection (1001) and stops keeping logs. */
  close(): void;
  /** Cuts the connections still open. */
  terminate(): void;
}

export function createConnections(opts: ConnectionsOptions): Connections {
  const { coreReady } = opts;
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload, clientTracking: true });
  // build logs stay here; pages are sent their newest lines and fetch the rest by range (server/log-store.ts).
  // Subscribed before any connection is, so a log holds an event's lines before any connection sends its tail.
  const logs = new ServerLogs();
  let stopKeepingLogs: (() => void) | undefined;
  let closed = false;
  void coreReady.then(
    (core) => {
      if (!closed) stopKeepingLogs = core.events.onAny((event, payload) => logs.note(event, payload));
    },
    () => undefined,
  );

  const serveConnection = (ws: WebSocket) => {
    // one AbortController per call of this connection; a cancel message names the call by its id
    const calls = new CallTracker();
    let alive = true;

    const events = new EventBatcher((text) => {
      if (ws.readyState === ws.OPEN) ws.send(text);
    }, logs);
    const send = (message: ServerMessage) => {
      if (ws.readyState !== ws.OPEN) return;
      // events the core emitted before this result reach the client before it
      events.flush();
      let text: string;
      try {
        text = JSON.stringify(message);
      } catch (error) {
        if (message.type !== 'result') return;
        text = JSON.stringify({ type: 'result', id: message.id, envelope: { ok: false, error: serializeError(error) } } satisfies ServerMessage);
      }
      ws.send(text);
    };

    let unsubscribe: (() => void) | undefined;
    let gone = false;
    // subscribed before any call of this connection is dispatched (both wait for the same promise, in order)
    void coreReady.then(
      (core) => {
        if (!gone) unsubscribe = core.events.onAny((event, payload) => events.push({ event, payload } as EventEnvelope));
      },
      () => undefined,
    );

    const heartbeat = setInterval(() => {
      if (!alive) {
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, HEARTBEAT_MS);
    heartbeat.unref();
    ws.on('pong', () => {
      alive = true;
    });

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        send({ type: 'result', id: null, envelope: { ok: false, error: { code: 'invalid-input', message: 'Binary messages are not understood; send JSON text.' } } });
        return;
      }
      const parsed = parseClientMessage(rawToString(data));
      if (!parsed.ok) {
        send({ type: 'result', id: parsed.id, envelope: { ok: false, error: parsed.error } });
        return;
      }
      const message = parsed.message;
      if (message.type === 'cancel') {
        calls.cancel(message.id);
        return;
      }
      if (message.channel === LOG_RANGE_CHANNEL) {
        // the server's own call: a range of a build's log it keeps (after the core, so the log is there)
        void coreReady
          .then((): Envelope => ({ ok: true, result: answerLogRange(logs, message.input) }))
          .catch((error: unknown): Envelope => ({ ok: false, error: serializeError(error) }))
          .then((envelope) => send({ type: 'result', id: message.id, envelope }));
        return;
      }
      void coreReady
        .then((core) => dispatchCall(opts.dispatchFor(core), calls, message))
        .catch((error: unknown): Envelope => ({ ok: false, error: serializeError(error) }))
        .then((envelope) => send({ type: 'result', id: message.id, envelope }));
    });

    ws.on('close', () => {
      gone = true;
      clearInterval(heartbeat);
      unsubscribe?.();
      events.close();
      // Whatever this client started is no longer wanted by anyone.
      calls.cancelAll(new AppError('cancelled', 'The browser window went away.'));
    });
    ws.on('error', () => ws.terminate());
  };

  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => serveConnection(ws));
    },
    close() {
      closed = true;
      stopKeepingLogs?.();
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      wss.close();
    },
    terminate() {
      for (const client of wss.clients) client.terminate();
    },
  };
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
