import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  contextMetaPath,
  describeProbeError,
  discoverEndpoints,
  listCandidates,
  probeEndpoint,
  usualSockets,
} from '../../../core/docker/discovery.js';
import type { ParsedEndpoint } from '../../../core/docker/endpoint.js';

let dir: string;
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();

/** Remembers the server's connections so cleanup can end them (close() waits for open ones). */
function track(server: net.Server): void {
  servers.push(server);
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mal-discovery-'));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  await rm(dir, { recursive: true, force: true });
});

/** A tiny HTTP server on a unix socket that answers /_ping like an engine (or not, per handler). */
async function socketServer(name: string, handler: http.RequestListener): Promise<string> {
  const socketPath = path.join(dir, name);
  const server = http.createServer(handler);
  track(server);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return socketPath;
}

const engineLike: http.RequestListener = (req, res) => {
  if (req.url === '/_ping') {
    res.writeHead(200, { 'Api-Version': '1.45', Server: 'Docker/26.1.5 (linux)', 'Content-Type': 'text/plain' });
    res.end('OK');
  } else {
    res.writeHead(404);
    res.end();
  }
};

async function writeContext(configDir: string, name: string, host: string): Promise<void> {
  const meta = contextMetaPath(configDir, name);
  await mkdir(path.dirname(meta), { recursive: true });
  await writeFile(meta, JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
}

describe('candidates', () => {
  test('order: DOCKER_HOST, then the current context, then the usual sockets; duplicates dropped', async () => {
    const configDir = path.join(dir, 'cfg-order');
    await mkdir(configDir, { recursive: true });
    await writeFile(path.join(configDir, 'config.json'), JSON.stringify({ currentContext: 'colima' }));
    await writeContext(configDir, 'colima', 'unix:///home/me/.colima/default/docker.sock');
    const list = await listCandidates({
      env: { DOCKER_HOST: 'tcp://10.1.2.3:2375', DOCKER_CONFIG: configDir, XDG_RUNTIME_DIR: '/run/user/1000' },
      platform: 'linux',
      homedir: '/home/me',
    });
    expect(list.map((c) => [c.source, c.parsed?.url ?? c.raw])).toEqual([
      ['DOCKER_HOST', 'tcp://10.1.2.3:2375'],
      ['docker context "colima"', 'unix:///home/me/.colima/default/docker.sock'],
      ['Linux system socket', 'unix:///var/run/docker.sock'],
      ['rootless Docker socket', 'unix:///run/user/1000/docker.sock'],
      ['Docker Desktop user socket', 'unix:///home/me/.docker/run/docker.sock'],
      ['Docker Desktop for Linux socket', 'unix:///home/me/.docker/desktop/docker.sock'],
      // the Colima socket is the context's endpoint: listed once, under the context
      ['rootless Podman socket', 'unix:///run/user/1000/podman/podman.sock'],
      ['rootful Podman socket', 'unix:///run/podman/podman.sock'],
    ]);
    expect(list[0]?.explicit).toBe(true);
    // the CLI ignores the context while DOCKER_HOST is set
    expect(list[1]?.explicit).toBe(false);
    expect(list.slice(2).every((c) => !c.explicit)).toBe(true);
  });

  test('DOCKER_CONTEXT wins over config.json and makes the context the explicit choice', async () => {
    const configDir = path.join(dir, 'cfg-env');
    await mkdir(configDir, { recursive: true });
    await writeFile(path.join(configDir, 'config.json'), JSON.stringify({ currentContext: 'other' }));
    await writeContext(configDir, 'remote', 'tcp://192.0.2.7:2375');
    const list = await listCandidates({ env: { DOCKER_CONTEXT: 'remote', DOCKER_CONFIG: configDir }, platform: 'linux', homedir: '/home/me' });
    expect(list[0]).toMatchObject({ source: 'docker context "remote"', kind: 'context', explicit: true, contextName: 'remote', raw: 'tcp://192.0.2.7:2375' });
  });

  test('a current context that does not exist is reported, not silently skipped', async () => {
    const configDir = path.join(dir, 'cfg-missing');
    await mkdir(configDir, { recursive: true });
    await writeFile(path.join(configDir, 'config.json'), JSON.stringify({ currentContext: 'gone' }));
    const list = await listCandidates({ env: { DOCKER_CONFIG: configDir }, platform: 'linux', homedir: '/home/me' });
    expect(list[0]?.invalid).toMatch(/the context "gone" .* does not exist/);
  });

  test('the default context adds nothing; a malformed DOCKER_HOST says why', async () => {
    const list = await listCandidates({ env: { DOCKER_HOST: 'localhost:2375', DOCKER_CONFIG: path.join(dir, 'none') }, platform: 'linux', homedir: '/home/me' });
    expect(list[0]).toMatchObject({ source: 'DOCKER_HOST', explicit: true });
    expect(list[0]?.invalid).toMatch(/DOCKER_HOST is not a valid endpoint: .*no scheme/);
    expect(list.filter((c) => c.kind === 'context')).toHaveLength(0);
  });

  test('per OS: Windows pipes, macOS Desktop sockets', () => {
    const win = usualSockets({ env: {}, platform: 'win32', homedir: 'C:\\Users\\me' });
    expect(win[0]?.raw).toBe('npipe:////./pipe/docker_engine');
    expect(win.every((s) => s.kind === 'pipe')).toBe(true);
    const mac = usualSockets({ env: {}, platform: 'darwin', homedir: '/Users/me' }).map((s) => s.raw);
    expect(mac).toContain('unix:///Users/me/.docker/run/docker.sock');
    expect(mac).toContain('unix:///Users/me/.colima/default/docker.sock');
    expect(mac.some((s) => s.includes('/run/user/'))).toBe(false);
  });
});

describe('probing', () => {
  const unixEndpoint = (p: string): ParsedEndpoint => ({ kind: 'unix', path: p, url: `unix://${p}` });

  test('an engine-like socket answers with its API version', async () => {
    const sock = await socketServer('engine.sock', engineLike);
    expect(await probeEndpoint(unixEndpoint(sock), { timeoutMs: 2000 })).toEqual({ ok: true, apiVersion: '1.45', engine: 'Docker/26.1.5 (linux)' });
  });

  test('a missing socket says there is no socket', async () => {
    const missing = path.join(dir, 'missing.sock');
    expect(await probeEndpoint(unixEndpoint(missing), { timeoutMs: 2000 })).toEqual({ ok: false, reason: `no socket at ${missing}` });
  });

  test('something that is not an engine is named as such', async () => {
    const sock = await socketServer('not-engine.sock', (_req, res) => {
      res.writeHead(404);
      res.end('nope');
    });
    const r = await probeEndpoint(unixEndpoint(sock), { timeoutMs: 2000 });
    expect(r).toEqual({ ok: false, reason: 'answered HTTP 404, which is not what a Docker engine says to /_ping' });
  });

  test('a socket that never answers times out in the time given', async () => {
    const sock = path.join(dir, 'silent.sock');
    const server = net.createServer(() => undefined);
    track(server);
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    const started = Date.now();
    const r = await probeEndpoint(unixEndpoint(sock), { timeoutMs: 300 });
    expect(r).toEqual({ ok: false, reason: `no answer from ${sock} within 0.3 s` });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('a closed tcp port is refused', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const r = await probeEndpoint({ kind: 'tcp', host: '127.0.0.1', port, tls: false, url: `tcp://127.0.0.1:${port}` }, { timeoutMs: 2000 });
    expect(r).toEqual({ ok: false, reason: `connection refused at 127.0.0.1:${port}: nothing listens on that port` });
  });

  test.each([
    ['EACCES', /^permission denied on \/s\.sock: add your user to the docker group/],
    ['ECONNREFUSED', /exists but no engine is listening/],
    ['ENOTSOCK', /is not a socket/],
    ['EHOSTUNREACH', /unreachable/],
    ['ECONNRESET', /closed the connection/],
    ['EWHATEVER', /could not connect to \/s\.sock: EWHATEVER boom/],
  ])('%s is put in plain words', (code, expected) => {
    const error = Object.assign(new Error('boom'), { code });
    expect(describeProbeError(error, unixEndpoint('/s.sock'), 1000)).toMatch(expected);
  });

  test('tcp host names that do not resolve', () => {
    const error = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    expect(describeProbeError(error, { kind: 'tcp', host: 'nowhere.invalid', port: 2375, tls: false, url: 'tcp://nowhere.invalid:2375' }, 1000)).toBe(
      'the host name nowhere.invalid could not be resolved',
    );
  });
});

describe('discovery', () => {
  test('picks the first endpoint that answers and records why the others did not', async () => {
    const runtime = path.join(dir, 'runtime-a');
    await mkdir(runtime, { recursive: true });
    const home = path.join(dir, 'home-a');
    await mkdir(path.join(home, '.docker', 'run'), { recursive: true });
    const desktopSock = path.join(home, '.docker', 'run', 'docker.sock');
    const server = http.createServer(engineLike);
    track(server);
    await new Promise<void>((resolve) => server.listen(desktopSock, resolve));

    const outcome = await discoverEndpoints({
      env: { XDG_RUNTIME_DIR: runtime, DOCKER_CONFIG: path.join(home, '.docker') },
      platform: 'linux',
      homedir: home,
      timeoutMs: 1000,
      // the real /var/run/docker.sock may exist on this machine; stand in for "no system socket" here
      probe: async (ep, o) => (ep.kind === 'unix' && ep.path === '/var/run/docker.sock' ? { ok: false, reason: 'no socket at /var/run/docker.sock' } : probeEndpoint(ep, o)),
    });
    expect(outcome.chosen?.parsed?.url).toBe(`unix://${desktopSock}`);
    const selected = outcome.attempts.filter((a) => a.selected);
    expect(selected).toEqual([{ source: 'Docker Desktop user socket', kind: 'socket', endpoint: `unix://${desktopSock}`, ok: true, selected: true }]);
    expect(outcome.attempts.find((a) => a.source === 'rootless Docker socket')).toEqual({
      source: 'rootless Docker socket',
      kind: 'socket',
      endpoint: `unix://${runtime}/docker.sock`,
      ok: false,
      reason: `no socket at ${runtime}/docker.sock`,
    });
  });

  test('a dead DOCKER_HOST is not replaced by a socket that answers', async () => {
    const sock = await socketServer('answers.sock', engineLike);
    const dead = path.join(dir, 'dead.sock');
    const outcome = await discoverEndpoints({
      env: { DOCKER_HOST: `unix://${dead}`, DOCKER_CONFIG: path.join(dir, 'none') },
      platform: 'linux',
      homedir: path.join(dir, 'nohome'),
      timeoutMs: 1000,
      probe: async (ep, o) => probeEndpoint(ep.kind === 'unix' && ep.path === '/var/run/docker.sock' ? { ...ep, path: sock } : ep, o),
    });
    expect(outcome.chosen).toBeNull();
    expect(outcome.attempts[0]).toEqual({ source: 'DOCKER_HOST', kind: 'env', endpoint: `unix://${dead}`, ok: false, reason: `no socket at ${dead}` });
    const system = outcome.attempts.find((a) => a.endpoint === 'unix:///var/run/docker.sock');
    expect(system?.ok).toBe(true);
    expect(system?.selected).toBeUndefined();
    expect(system?.note).toMatch(/DOCKER_HOST is set, so it is not used/);
  });
});
