/**
 * Browser mode: serves the built renderer and a WebSocket adapter over the core's dispatch.
 * The server drives the user's Docker engine, so it is locked to this machine and this launch:
 * loopback only, a per-launch token on every request, Host and Origin checked.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Ws from 'ws';
import type { WebSocket, RawData } from 'ws';
import type { Core } from '../core/app.js';
import type { Dispatch } from '../core/dispatch.js';
// the contract's modules one by one, not its index: the index builds every channel's schema, which the server
// need not wait for before it listens (issue 15)
import { AppError, serializeError } from '../core/contract/errors.js';
import type { Envelope } from '../core/contract/envelope.js';
import type { EventEnvelope } from '../core/contract/events.js';
import { allowedOrigins, generateToken, hostIsAllowed, requestCredentials, tokenCookie, tokensMatch } from './auth.js';
import { lookupStatic, streamFile, contentTypeFor, readWholeFile, READ_WHOLE_MAX_BYTES } from './static-files.js';
import { EventBatcher, parseClientMessage, type ServerMessage } from './protocol.js';
import { answerLogRange, LOG_RANGE_CHANNEL, ServerLogs } from './log-store.js';
import { CallTracker, dispatchCall } from '../core/calls.js';
import { WarmCall, type WarmCallSpec } from './warm-call.js';

export interface ServerOptions {
  /**
   * The core the WebSocket calls go to. A promise lets the server listen, and serve the page, while the core
   * still loads: calls and events wait for it.
   */
  core: Core | Promise<Core>;
  /** 0 (the default) picks any free port. */
  port?: number;
  /** Only loopback: "127.0.0.1" (the default) or "localhost". */
  host?: string;
  /** The built renderer; defaults to dist/renderer next to this package. */
  staticDir?: string;
  /** Fixed token (tests); a random one per launch otherwise. */
  token?: string;
  /**
   * A call to start as soon as the server listens, before any page asks: its answer goes to the first page's
   * identical call while it is still the same answer (server/warm-call.ts). Browser mode warms the Doctor's report.
   */
  warmCall?: WarmCallSpec;
}

export interface RunningServer {
  /** The address to open, token included. */
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/** Frames larger than this close the socket: no request in the contract comes near it. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 30_000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost']);


export function defaultStaticDir(): string {
  // dist/server/server.js -> dist/renderer; server/server.ts (run from source) -> dist/renderer
  const here = path.dirname(fileURLToPath(import.meta.url));
  const fromDist = path.resolve(here, '..', 'renderer');
  return path.basename(path.resolve(here, '..')) === 'dist' ? fromDist : path.resolve(here, '..', 'dist', 'renderer');
}

export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host)) {
    throw new AppError('invalid-input', `Browser mode only listens on this machine (127.0.0.1), not on ${JSON.stringify(host)}.`, {
      hint: 'Leave the host out or use 127.0.0.1. The server can drive your Docker engine, so it is never exposed to the network.',
    });
  }
  const requestedPort = opts.port ?? 0;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new AppError('invalid-input', `The port ${String(requestedPort)} is not a valid TCP port.`, { hint: 'Use a number from 1 to 65535, or 0 for any free port.' });
  }
  const token = opts.token ?? generateToken();
  if (token.length < 32) {
    throw new AppError('invalid-input', 'The server token is too short to be a secret.', { hint: 'Leave the token out to get a random one.' });
  }
  const staticDir = path.resolve(opts.staticDir ?? defaultStaticDir());
  const coreReady = Promise.resolve(opts.core);
  // a core that failed to load answers every call with why (serve reports it and stops)
  coreReady.catch(() => undefined);
  // build logs stay here; pages are sent their newest lines and fetch the rest by range (server/log-store.ts).
  // Subscribed before any connection is, so a log holds an event's lines before any connection sends its tail.
  const logs = new ServerLogs();
  let stopKeepingLogs: (() => void) | undefined;
  void coreReady.then(
    (core) => {
      stopKeepingLogs = core.events.onAny((event, payload) => logs.note(event, payload));
    },
    () => undefined,
  );
  const warm = opts.warmCall ? new WarmCall(opts.warmCall) : undefined;
  let port = 0;

  const securityHeaders = (res: ServerResponse) => {
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(port));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  };

  const sendText = (res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}) => {
    securityHeaders(res);
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
    res.end(`${text}\n`);
  };

  const handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (!hostIsAllowed(req, port)) {
      sendText(res, 421, 'Multiarch Lab answers only to 127.0.0.1 and localhost on its own port.');
      return;
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const { queryToken, cookieToken } = requestCredentials(req, url, port);
    const queryOk = tokensMatch(token, queryToken);
    if (!queryOk && !tokensMatch(token, cookieToken)) {
      sendText(res, 401, 'Multiarch Lab needs the token of this launch. Open the full address printed when the server started (it ends in ?token=…).');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'Only GET and HEAD are served here; the app talks over its WebSocket.', { Allow: 'GET, HEAD' });
      return;
    }
    if (url.pathname === '/ws') {
      sendText(res, 426, 'This address is the WebSocket endpoint.', { Upgrade: 'websocket' });
      return;
    }

    // The raw path, not the URL parser's normalised one: a request spelled with ".." is refused, not quietly rewritten.
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    const found = lookupStatic(staticDir, rawPath.startsWith('/') ? rawPath : url.pathname);
    if (found.kind === 'bad-path') {
      sendText(res, 400, 'That path is not allowed.');
      return;
    }
    if (found.kind === 'not-found') {
      sendText(res, 404, 'Not found.');
      return;
    }
    if (found.kind === 'no-build') {
      sendText(res, 503, `The app's pages are not built (nothing in ${staticDir}). Run "npm run build", then reload.`);
      return;
    }
    if (queryOk && found.isIndex) {
      // Trade the token in the address bar for a cookie, so it does not linger in history or get copied around.
      url.searchParams.delete('token');
      securityHeaders(res);
      res.writeHead(303, { Location: `${url.pathname}${url.search}`, 'Set-Cookie': tokenCookie(port, token), 'Cache-Control': 'no-store' });
      res.end();
      return;
    }
    // read before any header is sent: a file that went away meanwhile is still a clean 500
    const body = req.method !== 'HEAD' && found.size <= READ_WHOLE_MAX_BYTES ? readWholeFile(found.file) : undefined;
    securityHeaders(res);
    const headers: Record<string, string | number> = {
      'Content-Type': contentTypeFor(found.file),
      'Content-Length': body?.length ?? found.size,
      // Hashed asset names change with every build; the page itself must always be fresh.
      'Cache-Control': found.isIndex ? 'no-store' : 'private, max-age=3600',
    };
    if (!tokensMatch(token, cookieToken)) headers['Set-Cookie'] = tokenCookie(port, token);
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (body) {
      res.end(body);
      return;
    }
    const stream = streamFile(found.file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };

  const http = createServer((req, res) => {
    try {
      handleRequest(req, res);
    } catch {
      if (!res.headersSent) sendText(res, 500, 'Something went wrong while serving this file.');
      else res.destroy();
    }
  });

  // ws loads after the server listens (issue 15): serving the page does not need it (~20 ms to load), and the page
  // opens its WebSocket a few hundred ms after asking for the page. It is CommonJS: required, not imported (an ESM
  // import of it runs Node's CommonJS export detection over each of its files again, 50-80 ms more).
  let wss: Ws.WebSocketServer | undefined;
  const socketServer = (): Ws.WebSocketServer => {
    if (!wss) {
      const { WebSocketServer } = createRequire(import.meta.url)('ws') as typeof Ws;
      wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, clientTracking: true });
    }
    return wss;
  };

  const refuseUpgrade = (socket: Duplex, status: number, reason: string, text: string) => {
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
  };

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (!hostIsAllowed(req, port)) {
      refuseUpgrade(socket, 421, 'Misdirected Request', 'Wrong host.');
      return;
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname !== '/ws') {
      refuseUpgrade(socket, 404, 'Not Found', 'The WebSocket endpoint is /ws.');
      return;
    }
    const origin = req.headers.origin;
    // Browsers always send Origin on a WebSocket handshake; a page from any other site must not reach the engine.
    if (origin !== undefined && !allowedOrigins(port).includes(origin.toLowerCase())) {
      refuseUpgrade(socket, 403, 'Forbidden', 'Foreign origin.');
      return;
    }
    const { queryToken, cookieToken } = requestCredentials(req, url, port);
    if (!tokensMatch(token, queryToken) && !tokensMatch(token, cookieToken)) {
      refuseUpgrade(socket, 401, 'Unauthorized', 'Missing or wrong token.');
      return;
    }
    let server: Ws.WebSocketServer;
    try {
      server = socketServer();
    } catch {
      refuseUpgrade(socket, 500, 'Internal Server Error', 'The WebSocket server could not be loaded.');
      return;
    }
    server.handleUpgrade(req, socket, head, (ws) => serveConnection(ws));
  });

  /** The core's dispatch, but the warm call's answer for the one call that may have it. */
  const warmDispatch = (core: Core): Dispatch => {
    if (!warm) return core.dispatch;
    return (channel, input, ctx = {}) => {
      const claimed = warm.claim(channel, input, ctx.signal);
      if (claimed) return claimed;
      warm.noteCall(channel, input);
      return core.dispatch(channel, input, ctx);
    };
  };

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
        .then((core) => dispatchCall(warmDispatch(core), calls, message))
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

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      http.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(new AppError('port-taken', `Port ${requestedPort} on 127.0.0.1 is already in use.`, { hint: 'Pick another port, or use --port 0 for any free one.' }));
      } else {
        reject(new AppError('internal', `Could not listen on 127.0.0.1:${requestedPort}: ${error.message}`));
      }
    };
    const onListening = () => {
      http.off('error', onError);
      resolve();
    };
    http.once('error', onError);
    http.once('listening', onListening);
    // Always the IPv4 loopback address, even for "localhost", so the Host/Origin checks and CSP match what is bound.
    http.listen(requestedPort, '127.0.0.1');
  });
  const address = http.address();
  port = typeof address === 'object' && address ? address.port : requestedPort;

  // loaded at the loop's next turn, while the browser asks for the page (a failure shows at the first upgrade)
  const loadingSocketServer = setImmediate(() => {
    try {
      socketServer();
    } catch {
      // the upgrade answers 500
    }
  });

  let closing: Promise<void> | undefined;
  // Listening first, then the warm call: the page loads while it runs.
  let stopWatchingEvents: (() => void) | undefined;
  if (warm) {
    void coreReady.then(
      (core) => {
        if (closing) return;
        stopWatchingEvents = core.events.onAny((event) => warm.noteEvent(event));
        warm.start((channel, input, signal) => core.dispatch(channel, input, { signal }));
      },
      () => warm.drop(),
    );
  }

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        warm?.drop();
        stopWatchingEvents?.();
        stopKeepingLogs?.();
        clearImmediate(loadingSocketServer);
        for (const client of wss?.clients ?? []) client.close(1001, 'server shutting down');
        wss?.close();
        http.close(() => resolve());
        http.closeIdleConnections();
        // Give sockets a moment to say goodbye, then cut whatever is left.
        setTimeout(() => {
          for (const client of wss?.clients ?? []) client.terminate();
          http.closeAllConnections();
        }, 500).unref();
      });
      return closing;
    },
  };
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
