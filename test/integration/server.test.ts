/**
 * The browser-mode server, for real: a real core, a real HTTP server on loopback, real WebSockets.
 * What a user (or an attacker on another web page) would see is what is asserted.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AppError, channelNames, channels, type Envelope } from '../../core/contract/index.js';
import { startServer, MAX_MESSAGE_BYTES } from '../../server/index.js';
import { createWsClient, type SocketLike } from '../../renderer/src/api/ws-client.js';
import { RemoteLog } from '../../renderer/src/components/remote-log.js';
import type { LogTailInfo } from '../../renderer/src/api/types.js';
import { FIXTURE_INDEX, FIXTURE_SCRIPT, startTestServer, type TestServer } from '../helpers/server.js';
import { hungEngine } from '../helpers/hung-engine.js';

interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(server: TestServer, pathAndQuery: string, headers: Record<string, string> = {}, method = 'GET'): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: pathAndQuery, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a socket; resolves when open, rejects with the HTTP status the server refused with. */
function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`refused with ${res.statusCode}`), { status: res.statusCode }));
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

async function refusalStatus(url: string, headers: Record<string, string> = {}): Promise<number | 'opened'> {
  try {
    const ws = await openSocket(url, headers);
    ws.close();
    return 'opened';
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}

/** A small request/response helper over one socket, matching answers by id. */
function rpc(ws: WebSocket) {
  const waiting = new Map<unknown, (m: { id: unknown; envelope: Envelope }) => void>();
  const events: { event: string; payload: unknown }[] = [];
  const stray: { id: unknown; envelope: Envelope }[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { type: string; id: unknown; envelope: Envelope; event: string; payload: unknown; events?: { event: string; payload: unknown }[] };
    if (m.type === 'event') {
      events.push({ event: m.event, payload: m.payload });
      return;
    }
    if (m.type === 'events') {
      events.push(...(m.events ?? []));
      return;
    }
    const w = waiting.get(m.id);
    if (w) {
      waiting.delete(m.id);
      w(m);
    } else stray.push(m);
  });
  let n = 0;
  return {
    events,
    stray,
    sendRaw(text: string | Buffer) {
      ws.send(text);
    },
    nextStray(): Promise<{ id: unknown; envelope: Envelope }> {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = () => {
          const m = stray.shift();
          if (m) resolve(m);
          else if (Date.now() - started > 5000) reject(new Error('no answer'));
          else setTimeout(poll, 10);
        };
        poll();
      });
    },
    invoke(channel: string, input?: unknown, id: unknown = `req-${++n}`): Promise<Envelope> {
      return new Promise((resolve) => {
        waiting.set(id, (m) => resolve(m.envelope));
        ws.send(JSON.stringify({ type: 'invoke', id, channel, ...(input === undefined ? {} : { input }) }));
      });
    },
  };
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function errorCode(envelope: Envelope): string | undefined {
  return envelope.ok ? undefined : envelope.error.code;
}

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

describe('HTTP: the token of this launch is required', () => {
  it('refuses a request without a token with 401 and a short explanation', async () => {
    const answer = await get(server, '/');
    expect(answer.status).toBe(401);
    expect(answer.body).toMatch(/token/i);
    expect(answer.body).not.toContain(server.token);
  });

  it('refuses a wrong token, in the query or in a cookie', async () => {
    const wrong = 'f'.repeat(64);
    expect((await get(server, `/?token=${wrong}`)).status).toBe(401);
    expect((await get(server, '/', { Cookie: `multiarch_lab_token_${server.port}=${wrong}` })).status).toBe(401);
    // A token one character short, and the right token under another server's cookie name.
    expect((await get(server, `/?token=${server.token.slice(0, -1)}`)).status).toBe(401);
    expect((await get(server, '/', { Cookie: `multiarch_lab_token_1=${server.token}` })).status).toBe(401);
  });

  it('trades a right token for an HttpOnly, SameSite=Strict cookie and a clean address, then serves the page', async () => {
    const first = await get(server, `/?token=${server.token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']?.[0]);
    expect(cookie).toContain(`multiarch_lab_token_${server.port}=${server.token}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);

    const page = await get(server, '/', { Cookie: cookie.split(';')[0]! });
    expect(page.status).toBe(200);
    expect(page.body).toBe(FIXTURE_INDEX);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(page.headers['content-security-policy']);
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      `connect-src 'self' ws://127.0.0.1:${server.port} ws://localhost:${server.port}`,
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ]) {
      expect(csp).toContain(directive);
    }
  });

  it('serves static files with the token in the query, with their content type', async () => {
    const asset = await get(server, `/assets/app.js?token=${server.token}`);
    expect(asset.status).toBe(200);
    expect(asset.body).toBe(FIXTURE_SCRIPT);
    expect(asset.headers['content-type']).toMatch(/^text\/javascript/);
  });

  it('refuses a foreign Host header even with the right token (DNS rebinding)', async () => {
    const auth = { Cookie: `multiarch_lab_token_${server.port}=${server.token}` };
    expect((await get(server, '/', { ...auth, Host: `evil.example:${server.port}` })).status).toBe(421);
    expect((await get(server, '/', { ...auth, Host: '127.0.0.1:1' })).status).toBe(421);
    expect((await get(server, '/', { ...auth, Host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('never lists a folder or leaves the site folder, however the path is spelled', async () => {
    const auth = { Cookie: `multiarch_lab_token_${server.port}=${server.token}` };
    for (const p of ['/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2fdata%2fsettings.json', '/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/..%5c..%5cetc%5cpasswd', '/a%00.js']) {
      const answer = await get(server, p, auth);
      expect(answer.status, p).toBe(400);
      expect(answer.body).not.toContain('root:');
    }
    const folder = await get(server, '/assets/', auth);
    expect(folder.body).toBe(FIXTURE_INDEX); // the app, not a listing
    expect((await get(server, '/assets/missing.js', auth)).status).toBe(404);
    const route = await get(server, '/doctor/anything', auth);
    expect(route.status).toBe(200);
    expect(route.body).toBe(FIXTURE_INDEX);
    expect((await get(server, '/', auth, 'POST')).status).toBe(405);
  });
});

describe('WebSocket: who may connect', () => {
  it('refuses a socket without a token', async () => {
    expect(await refusalStatus(server.wsUrl)).toBe(401);
    expect(await refusalStatus(server.wsUrl, { Origin: server.origin })).toBe(401);
  });

  it('refuses a wrong token', async () => {
    expect(await refusalStatus(`${server.wsUrl}?token=${'0'.repeat(64)}`)).toBe(401);
  });

  it('refuses a foreign Origin even with the right token', async () => {
    const url = `${server.wsUrl}?token=${server.token}`;
    expect(await refusalStatus(url, { Origin: 'http://evil.example' })).toBe(403);
    expect(await refusalStatus(url, { Origin: `http://127.0.0.1:${server.port + 1}` })).toBe(403);
    expect(await refusalStatus(url, { Origin: 'null' })).toBe(403);
  });

  it('accepts the page’s own origin with the cookie, and a non-browser client with the token and no Origin', async () => {
    const viaCookie = await openSocket(server.wsUrl, { Origin: `http://localhost:${server.port}`, Cookie: `multiarch_lab_token_${server.port}=${server.token}` });
    const viaQuery = await openSocket(`${server.wsUrl}?token=${server.token}`);
    for (const ws of [viaCookie, viaQuery]) {
      const envelope = await rpc(ws).invoke('app:info', {});
      expect(envelope.ok).toBe(true);
      if (envelope.ok) expect(envelope.result).toMatchObject({ name: 'Multiarch Lab', mode: 'browser', dataDir: server.dataDir });
      ws.close();
    }
  });
});

describe('WebSocket: what it answers', () => {
  let ws: WebSocket;
  let client: ReturnType<typeof rpc>;

  beforeAll(async () => {
    ws = await openSocket(`${server.wsUrl}?token=${server.token}`);
    client = rpc(ws);
  });
  afterAll(() => ws?.close());

  it('answers invalid-input for malformed input on every channel', async () => {
    const checked: string[] = [];
    for (const channel of channelNames) {
      // (null or no input at all means "nothing" to the dispatcher, which is fine for channels that take nothing.)
      const bad: unknown[] = [42, 'text', true, [], { bogus: 1 }];
      // A channel with required fields must also refuse an empty object.
      if (!channels[channel].input.safeParse({}).success) bad.push({});
      for (const input of bad) {
        const envelope = await client.invoke(channel, input);
        expect(errorCode(envelope), `${channel} with ${JSON.stringify(input)}`).toBe('invalid-input');
      }
      checked.push(channel);
    }
    expect(checked).toEqual(expect.arrayContaining(['app:info', 'doctor:report', 'settings:get', 'settings:update', 'tasks:list', 'tasks:cancel']));
  });

  it('answers unknown-channel for a channel that does not exist', async () => {
    expect(errorCode(await client.invoke('nope:never', {}))).toBe('unknown-channel');
    expect(errorCode(await client.invoke('__proto__', {}))).toBe('unknown-channel');
  });

  it('answers malformed messages with an error and keeps the socket usable', async () => {
    client.sendRaw('{not json');
    const notJson = await client.nextStray();
    expect(notJson.id).toBeNull();
    expect(errorCode(notJson.envelope)).toBe('invalid-input');

    client.sendRaw(JSON.stringify({ type: 'invoke', id: 'no-channel' }));
    const noChannel = await client.nextStray();
    expect(noChannel.id).toBe('no-channel');
    expect(errorCode(noChannel.envelope)).toBe('invalid-input');

    client.sendRaw(JSON.stringify({ type: 'launch-missiles', id: 7 }));
    expect(errorCode((await client.nextStray()).envelope)).toBe('invalid-input');

    client.sendRaw(JSON.stringify([1, 2, 3]));
    expect(errorCode((await client.nextStray()).envelope)).toBe('invalid-input');

    client.sendRaw(Buffer.from([0, 1, 2, 3]));
    expect(errorCode((await client.nextStray()).envelope)).toBe('invalid-input');

    const after = await client.invoke('app:info', {});
    expect(after.ok).toBe(true);
  });

  it('reads and writes settings through the core, refusing bad values with the field named', async () => {
    const saved = await client.invoke('settings:update', { registry: { port: 5123 } });
    expect(saved.ok && (saved.result as { registry: { port: number } }).registry.port).toBe(5123);
    const read = await client.invoke('settings:get', {});
    expect(read.ok && (read.result as { registry: { port: number } }).registry.port).toBe(5123);
    const refused = await client.invoke('settings:update', { registry: { port: 70000 } });
    expect(errorCode(refused)).toBe('invalid-input');
    if (!refused.ok) expect(refused.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: ['registry', 'port'] })]));
  });

  it('forwards core events to the socket, task progress included', async () => {
    client.events.length = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const done = server.core.tasks.run('runs:start', 'A test task', [{ id: 'one', title: 'Step one' }], async (task) => {
      task.step('one', 'running');
      task.progress({ current: 1, total: 4, unit: 'steps', message: 'halfway there' });
      await gate;
      task.step('one', 'done');
      return 'ok';
    });
    await expect.poll(() => client.events.some((e) => e.event === 'task:update' && (e.payload as { progress?: { current: number } }).progress?.current === 1)).toBe(true);
    const listed = await client.invoke('tasks:list', {});
    expect(listed.ok && (listed.result as { title: string; state: string }[]).some((t) => t.title === 'A test task' && t.state === 'running')).toBe(true);
    release();
    await done;
    await expect.poll(() => client.events.some((e) => e.event === 'task:update' && (e.payload as { state: string }).state === 'succeeded')).toBe(true);
  });

  it('cancels a running task through tasks:cancel and reports it as cancelled', async () => {
    client.events.length = 0;
    const done = server.core.tasks.run('runs:start', 'A long task', [], async (task) => {
      await new Promise<void>((resolve) => task.signal.addEventListener('abort', () => resolve(), { once: true }));
      task.throwIfCancelled();
    });
    const settled = done.catch((e: unknown) => e);
    await expect.poll(() => client.events.find((e) => e.event === 'task:update' && (e.payload as { title: string }).title === 'A long task')).toBeTruthy();
    const id = (client.events.find((e) => (e.payload as { title: string }).title === 'A long task')!.payload as { id: string }).id;
    const answer = await client.invoke('tasks:cancel', { id });
    expect(answer).toEqual({ ok: true, result: { cancelled: true } });
    expect(((await settled) as AppError).code).toBe('cancelled');
    await expect.poll(() => client.events.some((e) => (e.payload as { id: string; state: string }).id === id && (e.payload as { state: string }).state === 'cancelled')).toBe(true);
  });

  it('closes a socket that sends an oversized message, and keeps serving others', async () => {
    const big = await openSocket(`${server.wsUrl}?token=${server.token}`);
    const closed = new Promise<number>((resolve) => big.once('close', (code) => resolve(code)));
    big.send(JSON.stringify({ type: 'invoke', id: 'big-1', channel: 'app:info', input: { pad: 'x'.repeat(MAX_MESSAGE_BYTES) } }));
    expect(await closed).toBe(1009);
    expect((await client.invoke('app:info', {})).ok).toBe(true);
  });
});

describe('the renderer’s WebSocket client against the real server', () => {
  const socketFactory = (extraHeaders: Record<string, string> = {}) => (url: string) =>
    new WebSocket(url, { headers: { Origin: server.origin, Cookie: `multiarch_lab_token_${server.port}=${server.token}`, ...extraHeaders } }) as unknown as SocketLike;

  it('invokes channels, rebuilds errors as AppError and receives events', async () => {
    const api = createWsClient({ url: server.wsUrl, createSocket: socketFactory() });
    try {
      const info = await api.invoke('app:info', {});
      expect(info.mode).toBe('browser');
      expect(api.connectionState()).toBe('connected');

      const refused = await api.invoke('settings:update', { registry: { port: 0 } }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AppError);
      expect((refused as AppError).code).toBe('invalid-input');

      const seen: string[] = [];
      const off = api.on('engine:changed', (p) => seen.push(p.action));
      server.core.events.emit('engine:changed', { type: 'container', action: 'start', name: 'x' });
      await expect.poll(() => seen).toEqual(['start']);
      off();
    } finally {
      api.close();
    }
  });

  it('rejects calls in flight when the server goes away, and says it is reconnecting', async () => {
    const hung = await hungEngine();
    const other = await startTestServer({ env: { DOCKER_HOST: hung.endpoint } });
    const api = createWsClient({
      url: other.wsUrl,
      initialDelayMs: 50,
      createSocket: (url) => new WebSocket(url, { headers: { Cookie: `multiarch_lab_token_${other.port}=${other.token}` } }) as unknown as SocketLike,
    });
    const states: string[] = [];
    api.onConnectionChange((s) => states.push(s));
    try {
      await api.invoke('app:info', {});
      // The Doctor waits for the engine that never answers, so this call is surely still running when the server stops.
      const slow = api.invoke('doctor:report', {}).catch((e: unknown) => e);
      await waitFor(() => hung.connections > 0);
      await other.close();
      const error = await slow;
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('engine-unreachable');
      await expect.poll(() => states.includes('reconnecting')).toBe(true);
      const late = await api.invoke('app:info', {}).catch((e: unknown) => e);
      expect((late as AppError).code).toBe('engine-unreachable');

      // The server comes back on the same address: the client finds it again by itself.
      const again = await startServer({ core: server.core, port: other.port, token: other.token, staticDir: other.staticDir });
      try {
        await expect.poll(() => api.connectionState(), { timeout: 15_000 }).toBe('connected');
        expect((await api.invoke('app:info', {})).name).toBe('Multiarch Lab');
      } finally {
        await again.close();
      }
    } finally {
      api.close();
      await hung.close();
    }
  });

  it('cancels a call on request: the core stops waiting and answers cancelled', async () => {
    const hung = await hungEngine();
    const other = await startTestServer({ env: { DOCKER_HOST: hung.endpoint } });
    const ws = await openSocket(`${other.wsUrl}?token=${other.token}`);
    try {
      const client = rpc(ws);
      const started = Date.now();
      const answer = client.invoke('doctor:report', {}, 'slow-1');
      await waitFor(() => hung.connections > 0);
      client.sendRaw(JSON.stringify({ type: 'cancel', id: 'slow-1' }));
      const envelope = await answer;
      expect(errorCode(envelope)).toBe('cancelled');
      // Well before the 2.5 s the engine probe would otherwise wait.
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      ws.close();
      await other.close();
      await hung.close();
    }
  });
});

describe('build logs: kept by the server, the page sent the count and the newest lines', () => {
  const socketFactory = () => (url: string) =>
    new WebSocket(url, { headers: { Origin: server.origin, Cookie: `multiarch_lab_token_${server.port}=${server.token}` } }) as unknown as SocketLike;

  it('a burst of 30,000 lines reaches the page as a few small frames, and every line is there by range, filtered or not', async () => {
    const api = createWsClient({ url: server.wsUrl, createSocket: socketFactory() });
    const frames: number[] = [];
    try {
      await api.invoke('app:info', {});
      const log = new RemoteLog(api.logRange!.bind(api));
      let changes = 0;
      log.onChange = () => changes++;
      const taskId = `log-test-${Date.now()}`;
      api.on('build:log', (event) => {
        const tail = (event as { tail?: LogTailInfo }).tail;
        expect(tail, 'the server sends the log state, not every line').toBeDefined();
        frames.push(event.lines.length);
        if (tail) log.apply(tail, event.lines);
      });
      const platforms = ['linux/amd64', 'linux/arm64'];
      // 60 batches of 500 in one tick, as a verbose build's reporter emits them; every tenth line has no platform
      for (let b = 0; b < 60; b++) {
        const lines = Array.from({ length: 500 }, (_, i) => {
          const n = b * 500 + i;
          return n % 10 === 0 ? { stream: 0 as const, text: `app line ${n}` } : { platform: platforms[n % 2]!, stream: 1 as const, text: `line ${n}` };
        });
        server.core.events.emit('build:log', { taskId, lines });
      }
      await expect.poll(() => log.length).toBe(30_000);
      // the newest lines came with the update: the last screenful is there without a fetch
      expect(log.slice(null, 29_950, 30_000).map((l) => l?.text)).toEqual(Array.from({ length: 50 }, (_, i) => `${i % 10 === 0 ? 'app ' : ''}line ${29_950 + i}`));
      expect(frames.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1000);
      // in the order they first printed (line 1 is arm64's)
      expect(log.platforms()).toEqual(['linux/arm64', 'linux/amd64']);

      // scrolled to the top: the rows are fetched, then shown
      expect(log.slice(null, 0, 3).every((l) => l === undefined)).toBe(true);
      await expect.poll(() => log.slice(null, 0, 3).map((l) => l?.text)).toEqual(['app line 0', 'line 1', 'line 2']);
      expect(changes).toBeGreaterThan(0);

      // filtered: arm64's lines and the app's lines, across the whole log
      expect(log.count('linux/arm64')).toBe(15_000 + 3000);
      await expect.poll(() => log.slice('linux/arm64', 0, 4).map((l) => l?.text)).toEqual(['app line 0', 'line 1', 'line 3', 'line 5']);

      // Copy and Save read every line from the server
      const all = await log.text(null);
      expect(all.split('\n')).toHaveLength(30_000);
      expect(all.split('\n')[29_999]).toBe('[linux/arm64] line 29999');
      const arm = (await log.text('linux/arm64')).split('\n');
      expect(arm).toHaveLength(18_000);
      expect(arm.filter((l) => l.startsWith('[linux/amd64]'))).toHaveLength(0);

      // a log the server does not hold is refused, plainly
      const missing = await api.logRange!('no-such-task', null, 0, 10).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(AppError);
      expect((missing as AppError).code).toBe('not-found');
      const bad = await api.logRange!(taskId, null, -1, 10).catch((e: unknown) => e);
      expect((bad as AppError).code).toBe('invalid-input');
    } finally {
      api.close();
    }
  });
});

describe('binding', () => {
  it('refuses to listen on anything but loopback', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
      const error = await startServer({ core: server.core, host, port: 0 }).catch((e: unknown) => e);
      expect(error, host).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('invalid-input');
      expect((error as AppError).hint).toBeTruthy();
    }
  });

  it('says so when the port is taken', async () => {
    const error = await startServer({ core: server.core, port: server.port }).catch((e: unknown) => e);
    expect((error as AppError).code).toBe('port-taken');
  });
});
