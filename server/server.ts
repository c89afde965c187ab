/**
 * Browser mode: serves the built renderer and a WebSocket adapter over the core's dispatch.
 * The server drives the user's Docker engine, so it is locked to this machine and this launch:
 * loopback only, a per-launch token on every request, Host and Origin checked.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Core } from '../core/app.js';
import type { Dispatch } from '../core/dispatch.js';
// the contract's modules one by one, not its index: the index builds every channel's schema, which the server
// need not wait for before it listens (issue 15)
import { AppError } from '../core/contract/errors.js';
import { allowedOrigins, generateToken, hostIsAllowed, requestCredentials, tokenCookie, tokensMatch } from './auth.js';
import { lookupStatic, streamFile, contentTypeFor, readWholeFile, READ_WHOLE_MAX_BYTES } from './static-files.js';
import type { Connections } from './connections.js';
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

  // The WebSocket side (ws, the call messages' schemas, the build logs: ~40 ms to load) loads after the server
  // listens (issue 15): serving the page does not need it, and the page opens its WebSocket a few hundred ms after
  // asking for the page. Every upgrade waits for the same load.
  let connectionsLoading: Promise<Connections> | undefined;
  const loadConnections = (): Promise<Connections> =>
    (connectionsLoading ??= import('./connections.js').then(({ createConnections }) =>
      createConnections({ coreReady, dispatchFor: warmDispatch, maxPayload: MAX_MESSAGE_BYTES }),
    ));

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
    void loadConnections().then(
      (connections) => connections.handleUpgrade(req, socket, head),
      () => refuseUpgrade(socket, 500, 'Internal Server Error', 'The WebSocket side of the server could not be loaded.'),
    );
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

  // loading now, while the browser asks for the page (a failure shows at the first upgrade, as a 500)
  void loadConnections().catch(() => undefined);

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
        void connectionsLoading?.then((connections) => connections.close(), () => undefined);
        http.close(() => resolve());
        http.closeIdleConnections();
        // Give sockets a moment to say goodbye, then cut whatever is left.
        setTimeout(() => {
          void connectionsLoading?.then((connections) => connections.terminate(), () => undefined);
          http.closeAllConnections();
        }, 500).unref();
      });
      return closing;
    },
  };
}

