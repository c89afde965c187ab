/**
 * Browser mode from the outside, as another program on this machine or a page from another site would try it:
 * every path, every method, every way of (not) holding the token, a foreign Host, a foreign Origin, a request with
 * no Host at all, the token of another launch, and the network interfaces the server must not be listening on.
 * server.test.ts covers the happy paths and the basics; this goes through the whole matrix.
 */
import { networkInterfaces } from 'node:os';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runCommand } from '../../core/docker/exec.js';
import { FIXTURE_INDEX, FIXTURE_SCRIPT, startTestServer, type TestServer } from '../helpers/server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

function request(port: number, target: string, headers: Record<string, string>, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A request written by hand, for what Node's client will not send (no Host header, HTTP/1.0). */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.write(text);
  });
}

function upgradeStatus(url: string, headers: Record<string, string>): Promise<number | 'opened'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve('opened');
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? -1);
      ws.terminate();
    });
    ws.once('error', (error) => reject(error));
  });
}

/** Non-loopback IPv4 and IPv6 addresses of this machine. */
function externalAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal) out.push(a.address);
  }
  return out;
}

function connectOutcome(host: string, port: number): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

let server: TestServer;
let other: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  other = await startTestServer();
});

afterAll(async () => {
  await server?.close();
  await other?.close();
});

const PATHS = ['/', '/index.html', '/assets/app.js', '/assets/missing.js', '/assets/', '/ws', '/doctor', '/unknown/deep/path', '/%2e%2e/%2e%2e/etc/passwd', '/favicon.ico', '/?x=1'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'];

describe('no HTTP path answers without the token of this launch', () => {
  const cases: Array<[string, (s: TestServer) => Record<string, string>, (s: TestServer, p: string) => string]> = [
    ['no token at all', () => ({}), (_s, p) => p],
    ['a wrong token in the query', () => ({}), (_s, p) => `${p}${p.includes('?') ? '&' : '?'}token=${'0'.repeat(64)}`],
    ['a wrong token in the cookie', (s) => ({ Cookie: `multiarch_lab_token_${s.port}=${'0'.repeat(64)}` }), (_s, p) => p],
    ['the token as a Bearer header (not a way in)', (s) => ({ Authorization: `Bearer ${s.token}` }), (_s, p) => p],
    ['the right token under another port’s cookie name', (s) => ({ Cookie: `multiarch_lab_token_${s.port + 1}=${s.token}` }), (_s, p) => p],
    ['another launch’s token', () => ({}), (_s, p) => `${p}${p.includes('?') ? '&' : '?'}token=${other.token}`],
    ['the token with a character appended', () => ({}), (s, p) => `${p}${p.includes('?') ? '&' : '?'}token=${s.token}0`],
    ['an empty token', (s) => ({ Cookie: `multiarch_lab_token_${s.port}=` }), (_s, p) => `${p}${p.includes('?') ? '&' : '?'}token=`],
  ];

  it.each(cases)('%s: 401 on every path and method, and nothing of the app in the answer', async (_label, headers, target) => {
    for (const p of PATHS) {
      for (const method of METHODS) {
        const answer = await request(server.port, target(server, p), headers(server), method);
        expect(answer.status, `${method} ${p}`).toBe(401);
        expect(answer.headers['set-cookie'], `${method} ${p}`).toBeUndefined();
        expect(answer.body).not.toContain(server.token);
        expect(answer.body).not.toContain('fixture');
      }
    }
  });

  it('the right token but a foreign Host is refused on every path (DNS rebinding), before the token is even looked at', async () => {
    const auth = { Cookie: `multiarch_lab_token_${server.port}=${server.token}` };
    for (const host of [`evil.example:${server.port}`, `evil.example`, `127.0.0.1`, `127.0.0.1:${server.port + 1}`, `localhost.evil.example:${server.port}`, `[::1]:${server.port}`, `0.0.0.0:${server.port}`]) {
      for (const p of PATHS) {
        const viaCookie = await request(server.port, p, { ...auth, Host: host });
        expect(viaCookie.status, `${host} ${p}`).toBe(421);
        const viaQuery = await request(server.port, `${p}${p.includes('?') ? '&' : '?'}token=${server.token}`, { Host: host });
        expect(viaQuery.status, `${host} ${p} (query)`).toBe(421);
        expect(viaQuery.headers['set-cookie']).toBeUndefined();
        expect(viaQuery.body).not.toContain(server.token);
      }
    }
  });

  it('a request with no Host header at all is refused, whatever it carries', async () => {
    const http10 = await rawRequest(server.port, `GET /index.html?token=${server.token} HTTP/1.0\r\n\r\n`);
    expect(http10).toMatch(/^HTTP\/1\.[01] 421 /);
    expect(http10).not.toContain(FIXTURE_INDEX.trim());
    const http11 = await rawRequest(server.port, `GET /assets/app.js HTTP/1.1\r\nCookie: multiarch_lab_token_${server.port}=${server.token}\r\nConnection: close\r\n\r\n`);
    // Node answers a Host-less HTTP/1.1 request with 400 itself; either way the file is not served
    expect(http11).toMatch(/^HTTP\/1\.1 4(00|21) /);
    expect(http11).not.toContain(FIXTURE_SCRIPT.trim());
  });

  it('with the token and a right Host, each path answers as it should (so the refusals above are the token’s doing)', async () => {
    const auth = { Cookie: `multiarch_lab_token_${server.port}=${server.token}` };
    expect((await request(server.port, '/', auth)).status).toBe(200);
    expect((await request(server.port, '/index.html', auth)).status).toBe(200);
    expect((await request(server.port, '/assets/app.js', auth)).body).toBe(FIXTURE_SCRIPT);
    expect((await request(server.port, '/assets/missing.js', auth)).status).toBe(404);
    expect((await request(server.port, '/ws', auth)).status).toBe(426);
    expect((await request(server.port, '/%2e%2e/%2e%2e/etc/passwd', auth)).status).toBe(400);
    expect((await request(server.port, '/', auth, 'POST')).status).toBe(405);
  });
});

describe('the WebSocket refuses every foreign way in', () => {
  it('no token, a wrong token, another launch’s token: 401', async () => {
    const origin = { Origin: server.origin };
    expect(await upgradeStatus(server.wsUrl, origin)).toBe(401);
    expect(await upgradeStatus(`${server.wsUrl}?token=${'0'.repeat(64)}`, origin)).toBe(401);
    expect(await upgradeStatus(`${server.wsUrl}?token=${other.token}`, origin)).toBe(401);
    expect(await upgradeStatus(server.wsUrl, { ...origin, Cookie: `multiarch_lab_token_${server.port}=${other.token}` })).toBe(401);
    expect(await upgradeStatus(server.wsUrl, { ...origin, Authorization: `Bearer ${server.token}` })).toBe(401);
  });

  it('the right token from a foreign Origin: 403, whether the token rides in the query or the cookie', async () => {
    const cookie = { Cookie: `multiarch_lab_token_${server.port}=${server.token}` };
    for (const foreign of ['http://evil.example', 'https://127.0.0.1', `http://127.0.0.1:${server.port + 1}`, `https://localhost:${server.port}`, `http://localhost.evil.example:${server.port}`, 'null', 'file://', `http://[::1]:${server.port}`]) {
      expect(await upgradeStatus(server.wsUrl, { ...cookie, Origin: foreign }), foreign).toBe(403);
      expect(await upgradeStatus(`${server.wsUrl}?token=${server.token}`, { Origin: foreign }), `${foreign} (query)`).toBe(403);
    }
  });

  it('the right token and origin, but a foreign Host: 421', async () => {
    const headers = { Cookie: `multiarch_lab_token_${server.port}=${server.token}`, Origin: server.origin };
    for (const host of [`evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`]) {
      expect(await upgradeStatus(server.wsUrl, { ...headers, Host: host }), host).toBe(421);
    }
  });

  it('an upgrade on any other path is refused even with the token', async () => {
    const headers = { Origin: server.origin };
    for (const p of ['/', '/index.html', '/ws/', '/wss', '/assets/ws']) {
      const status = await upgradeStatus(`ws://127.0.0.1:${server.port}${p}?token=${server.token}`, headers);
      expect(status, p).not.toBe('opened');
    }
    expect(await upgradeStatus(`${server.wsUrl}?token=${server.token}`, headers)).toBe('opened');
  });
});

describe('loopback only', () => {
  it('is not reachable on any other address of this machine', async () => {
    const addresses = externalAddresses();
    for (const address of addresses) {
      expect(await connectOutcome(address, server.port), address).not.toBe('connected');
    }
    // the IPv6 loopback is another socket: the server binds 127.0.0.1 only
    expect(await connectOutcome('::1', server.port)).not.toBe('connected');
    expect(await connectOutcome('127.0.0.1', server.port)).toBe('connected');
  });

  it('`multiarch-lab serve` refuses to bind a non-loopback address, saying why', async () => {
    const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
    const env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_DATA_DIR: server.dataDir, NO_COLOR: '1' };
    for (const host of ['0.0.0.0', '::']) {
      const r = await runCommand(tsx, [path.join(root, 'cli', 'index.ts'), 'serve', '--port', '0', '--host', host], { env, cwd: root, timeoutMs: 60_000 });
      expect(r.code, `${host}: ${r.stdout}${r.stderr}`).not.toBe(0);
      expect(r.stdout).not.toMatch(/serving on/i);
      expect(r.stderr).toMatch(/127\.0\.0\.1/);
    }
  });
});
