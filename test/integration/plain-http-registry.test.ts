/**
 * A plain-HTTP registry reached by a name other than localhost (issue 16), end to end on the real engine, a real
 * registry and a real docker-container builder:
 *  - the registry answers on 127.0.0.1 and is named `registry-<random>.test`, an alias this test appends to
 *    /etc/hosts (and removes). A host-networked builder's BuildKit container gets a copy of the host's /etc/hosts
 *    when the container is created, so the alias is added before the builder starts and the builder sees it too;
 *  - the builder is created by the app with that registry marked plain-HTTP (its buildkitd.toml), and the app
 *    takes the mark from there: both build ways push and report success, and inspect, ls and run read the result
 *    without any flag;
 *  - a name that is in no list and answers plain HTTP gets the clear error with the action that adds it, and no
 *    HTTP request reaches it before the user adds it (a server that records every connection and request);
 *  - the old-school way to a plain-HTTP registry the engine does not count as insecure stops before building;
 *  - a build whose push landed but whose read-back failed (a registry answering the app's reads with 500) is
 *    reported as pushed, naming the step that failed.
 * The engine's daemon.json is never changed; its insecure list is read from `docker info`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCore, type Core } from '../../core/app.js';
import type { BuildResult } from '../../core/contract/build.js';
import { AppError } from '../../core/contract/errors.js';
import type { RunMatrix } from '../../core/contract/runs.js';
import type { VerifyReport } from '../../core/contract/verify.js';
import { runCommand } from '../../core/docker/exec.js';
import { RegistryClient } from '../../core/registry/client.js';
import { ipInCidr } from '../../core/registry/plain-http.js';
import { testLabelEnv } from '../../core/docker/labels.js';
import { removeImagesFrom } from '../helpers/run-images.js';
import { docker, seedMultiArchImage, startRegistryProcess, type RegistryProcess } from '../helpers/registry-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const entry = path.join(root, 'cli', 'index.ts');
const HOSTS = '/etc/hosts';
const id = randomBytes(4).toString('hex');
const MARK = `# multiarch-lab test plain-http ${id}`;
const ALIAS = `registry-${id}.test`;
const OTHER = `other-${id}.test`;
const BUILDER = `mal-t16-${id}`;
const LABEL = `plain-http-${id}`;
const TWO = 'linux/amd64,linux/arm64';

let registry: RegistryProcess;
let named: string;
let work: string;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let core: Core;
let sample: string;

/** Appends lines to /etc/hosts in place (it may be a bind mount: never replaced), each carrying this run's mark. */
async function addHosts(lines: string[]): Promise<void> {
  const text = await readFile(HOSTS, 'utf8');
  await writeFile(HOSTS, `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}${lines.map((l) => `${l} ${MARK}\n`).join('')}`);
}

async function removeHosts(): Promise<void> {
  const text = await readFile(HOSTS, 'utf8');
  if (!text.includes(MARK)) return;
  await writeFile(HOSTS, text.split('\n').filter((l) => !l.includes(MARK)).join('\n'));
}

function cli(args: string[]) {
  return runCommand(tsx, [entry, ...args], { env, cwd: work, timeoutMs: 240_000 });
}

/** An address of this machine that no engine CIDR covers, so a name for it is plain HTTP only if a list says so. */
async function uncoveredAddress(): Promise<string> {
  const { stdout } = await docker(['info', '--format', '{{json .RegistryConfig.InsecureRegistryCIDRs}}']);
  const cidrs = JSON.parse(stdout) as string[];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal && !cidrs.some((c) => ipInCidr(a.address, c))) return a.address;
    }
  }
  throw new Error('this machine has no IPv4 address outside the engine\'s insecure CIDRs; the test needs one');
}

interface Recorder {
  port: number;
  requests: Array<{ method: string; url: string }>;
  /** The first byte of each connection: 0x16 opens a TLS handshake. */
  firstBytes: number[];
  close(): Promise<void>;
}

/** A plain-HTTP server that records every connection and every HTTP request; it answers like a registry without images. */
async function startRecorder(host: string): Promise<Recorder> {
  const requests: Recorder['requests'] = [];
  const firstBytes: number[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    res.writeHead(req.url === '/v2/' ? 200 : 404, { 'Content-Type': 'application/json', 'Docker-Distribution-Api-Version': 'registry/2.0' });
    res.end(req.url === '/v2/' ? '{}' : JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
  });
  server.on('connection', (socket: Socket) => socket.once('data', (chunk: Buffer) => firstBytes.push(chunk[0] ?? -1)));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    firstBytes,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function expectAppError(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  const bk = await docker(['image', 'inspect', 'moby/buildkit:buildx-stable-1']).catch(() => undefined);
  if (!bk) await docker(['load', '-i', '/work/shared/test-images/buildkit-v0.23.2-linux-amd64.tar.gz'], { timeoutMs: 300_000 });
  registry = await startRegistryProcess();
  named = `${ALIAS}:${registry.port}`;
  // the alias goes in before the builder's container exists: that container copies /etc/hosts when created
  await addHosts([`127.0.0.1 ${ALIAS}`, `${await uncoveredAddress()} ${OTHER}`]);
  await seedMultiArchImage(registry, 'alpine', '3.15');
  work = await mkdtemp(path.join(os.tmpdir(), 'mal-plain-http-'));
  dataDir = path.join(work, 'data');
  env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_DATA_DIR: dataDir, ...testLabelEnv(LABEL) };
  delete env.DOCKER_HOST;
  core = createCore({ mode: 'cli', dataDir, env });
  sample = path.join(work, 'sample');
  const init = await cli(['init', sample, '--base', `${named}/alpine:3.15`]);
  expect(init.code, init.stderr).toBe(0);
}, 600_000);

afterAll(async () => {
  try {
    await docker(['buildx', 'rm', BUILDER]).catch(() => undefined);
    for (const c of (await docker(['ps', '-aq', '--filter', `label=dev.multiarch-lab.test=${LABEL}`]).catch(() => ({ stdout: '' }))).stdout.split('\n').filter(Boolean)) {
      await docker(['rm', '-f', c]).catch(() => undefined);
    }
    if (registry) {
      await removeImagesFrom(named).catch(() => undefined);
      await removeImagesFrom(registry.localhostAddress).catch(() => undefined);
    }
  } finally {
    await removeHosts();
    await core?.close();
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  }
}, 300_000);

describe('a plain-HTTP registry by another name', () => {
  test('the engine\'s insecure config comes from docker info; the builder the app creates puts the registry on the list', async () => {
    const { stdout } = await docker(['info', '--format', '{{json .RegistryConfig}}']);
    const config = JSON.parse(stdout) as { InsecureRegistryCIDRs: string[]; IndexConfigs: Record<string, { Secure: boolean }> };
    const before = await core.call('plain-http:list', {});
    expect(before.cidrs.map((c) => c.cidr)).toEqual(config.InsecureRegistryCIDRs);
    expect(before.registries.filter((e) => e.source === 'engine').map((e) => e.registry).sort()).toEqual(
      Object.entries(config.IndexConfigs).filter(([, v]) => !v.Secure).map(([k]) => k).sort(),
    );
    expect(before.registries.some((e) => e.registry === named)).toBe(false);

    const created = await core.call('builder:create', { name: BUILDER, insecureRegistries: [named], use: false, bootstrap: true });
    expect(created.bootstrapped).toBe(true);
    const after = await core.call('plain-http:list', {});
    expect(after.registries).toContainEqual({ registry: named, source: 'builder', detail: `"${BUILDER}"` });
    const decision = await core.call('plain-http:check', { registry: named });
    expect(decision).toMatchObject({ plainHttp: true, source: 'builder' });
    expect(decision.reason).toContain(`the builder "${BUILDER}" marks it plain-HTTP`);
  }, 300_000);

  test('the modern way pushes over the builder and reports success, with the reason for plain HTTP', async () => {
    const tag = `${named}/k3d:1`;
    const r = await cli(['build', sample, '--builder', BUILDER, '--platform', TWO, '--tag', tag, '--label', `dev.multiarch-lab.test=${LABEL}`]);
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Pushed ${tag.replace(/[.]/g, '\\.')}\n`));
    expect(r.stdout).toContain(`note       ${named} is reached over plain HTTP: the builder "${BUILDER}" marks it plain-HTTP`);
    expect(r.stdout).toMatch(/^ {2}platforms +linux\/amd64, linux\/arm64$/m);
    expect(r.stdout).toContain('--output type=registry,registry.insecure=true');
    const tags = await new RegistryClient({ registry: registry.address }).tags('k3d');
    expect(tags.items).toContain('1');
  }, 300_000);

  test('the old-school way: docker push per platform (the engine counts 127.0.0.0/8 as insecure), then the list, reported as success', async () => {
    const tag = `${named}/k3d:2`;
    const r = await cli(['build', sample, '--old-school', '--builder', BUILDER, '--platform', TWO, '--tag', tag, '--json', '--label', `dev.multiarch-lab.test=${LABEL}`]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as BuildResult;
    expect(result.afterPush).toBeUndefined();
    expect(result).toMatchObject({ mode: 'old-school', reference: tag, platforms: ['linux/amd64', 'linux/arm64'], pushed: [`${tag}-amd64`, `${tag}-arm64`, tag] });
    expect(result.commands).toContainEqual(['docker', 'manifest', 'push', '--insecure', tag]);
    const head = await new RegistryClient({ registry: registry.address }).headManifest('k3d', '2');
    expect(head.digest).toBe(result.digest);
  }, 300_000);

  test('inspect, ls, verify and run read the result with no flag', async () => {
    const inspected = await cli(['inspect', `${named}/k3d:2`]);
    expect(inspected.code, inspected.stderr).toBe(0);
    expect(inspected.stdout).toMatch(/^platforms +linux\/amd64, linux\/arm64$/m);
    expect(inspected.stdout).toContain(`note       ${named} is reached over plain HTTP`);

    const ls = await cli(['ls', `${named}/k3d`]);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout.split('\n').filter(Boolean).sort()).toEqual([`${named}/k3d:1`, `${named}/k3d:2`, `${named}/k3d:2-amd64`, `${named}/k3d:2-arm64`]);

    // verify reads every layer through the same list: no flag, and the platforms come back (0 = all ok, 2 = some
    // not ok; 1 would be an error such as the registry refused over HTTPS).
    const verified = await cli(['verify', `${named}/k3d:1`, '--json']);
    expect([0, 2], verified.stderr).toContain(verified.code);
    expect((JSON.parse(verified.stdout) as VerifyReport).platforms.map((x) => x.platform)).toEqual(['linux/amd64', 'linux/arm64']);

    const run = await cli(['run', `${named}/k3d:1`, '--json', '--', 'uname', '-m']);
    expect(run.code, run.stderr).toBe(0);
    const matrix = JSON.parse(run.stdout) as RunMatrix;
    expect(matrix.runs.map((x) => [x.platform, x.printed, x.result])).toEqual([
      ['linux/amd64', 'x86_64', 'pass'],
      ['linux/arm64', 'aarch64', 'pass'],
    ]);
  }, 300_000);
});

describe('a name in no list', () => {
  let recorder: Recorder;
  let other: string;
  let otherAddress: string;
  beforeAll(async () => {
    otherAddress = (await readFile(HOSTS, 'utf8')).split('\n').find((l) => l.includes(OTHER))!.split(/\s+/)[0]!;
    recorder = await startRecorder(otherAddress);
    other = `${OTHER}:${recorder.port}`;
  });
  afterAll(async () => {
    await recorder?.close();
  });

  test('answering plain HTTP: the clear error with the action that adds it, and no HTTP request before the user says so', async () => {
    const error = await expectAppError(core.call('registry:inspect', { reference: `${other}/team/app:1` }));
    expect(error.code).toBe('registry-error');
    expect(error.message).toBe(`${other} answered in plain HTTP, not HTTPS, and it is not one of the plain-HTTP registries, so nothing more was sent to it.`);
    expect(error.details).toMatchObject({ action: 'add-plain-http-registry', registry: other, command: ['multiarch-lab', 'settings', 'plain-http', 'add', other] });
    expect(error.hint).toContain(`multiarch-lab settings plain-http add ${other}`);

    const build = await cli(['build', sample, '--platform', 'linux/amd64', '--tag', `${other}/team/app:1`]);
    expect(build.code).toBe(1);
    expect(build.stderr).toContain(`error: ${other} answered in plain HTTP, not HTTPS`);
    expect(build.stderr).toMatch(/^hint: .*multiarch-lab settings plain-http add /m);
    expect(build.stderr).not.toMatch(/\[\d+\/\d+\]/); // no build step ran

    expect(recorder.requests).toEqual([]);
    expect(recorder.firstBytes.length).toBeGreaterThan(0);
    expect(recorder.firstBytes.every((b) => b === 0x16)).toBe(true);
  }, 120_000);

  test('after `settings plain-http add`: reached over HTTP with the note; the old-school way stops before building and says what daemon.json needs', async () => {
    const add = await cli(['settings', 'plain-http', 'add', other]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toBe(`plain HTTP: ${other} is reached over plain HTTP: you added it to the plain-HTTP registries in Settings.\n`);

    const error = await expectAppError(core.call('registry:inspect', { reference: `${other}/team/app:1` }));
    expect(error.code).toBe('not-found');
    expect(recorder.requests).toContainEqual({ method: 'GET', url: '/v2/team/app/manifests/1' });

    const started = Date.now();
    const old = await cli(['build', sample, '--old-school', '--platform', TWO, '--tag', `${other}/team/app:1`]);
    expect(old.code).toBe(1);
    expect(old.stderr).toContain(`error: The old-school way pushes with docker push, and the Docker engine does not count ${other} as an insecure registry`);
    expect(old.stderr).toContain(`"insecure-registries": [\n    "${other}"\n  ]`);
    expect(old.stderr).toContain('Docker Desktop: Settings, then Docker Engine');
    expect(old.stderr).not.toMatch(/\[\d+\/\d+\]/);
    expect(Date.now() - started).toBeLessThan(60_000);
    const local = await docker(['image', 'inspect', `${other}/team/app:1-amd64`]).catch(() => undefined);
    expect(local).toBeUndefined();

    // The same registry as above, forwarded from this machine's LAN address (the engine's CIDRs do not cover it)
    const forward = net.createServer((socket) => {
      const upstream = net.connect(registry.port, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      const end = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', end);
      upstream.on('error', end);
    });
    await new Promise<void>((resolve) => forward.listen(0, otherAddress, resolve));
    const lan = `${OTHER}:${(forward.address() as AddressInfo).port}`;
    try {
      expect((await cli(['settings', 'plain-http', 'add', lan])).code).toBe(0);
      const inspected = await cli(['inspect', `${lan}/k3d:1`]);
      expect(inspected.code, inspected.stderr).toBe(0);
      expect(inspected.stdout).toContain(`note       ${lan} is reached over plain HTTP: you added it to the plain-HTTP registries in Settings`);
      // docker run pulls through the engine, which would use HTTPS: said before any container starts
      const run = await cli(['run', `${lan}/k3d:1`, '--', 'uname', '-m']);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`error: A run pulls each platform through the Docker engine, and the engine does not count ${lan} as an insecure registry`);
      expect(run.stderr).toContain(`"${lan}"`);
      const started = await docker(['ps', '-aq', '--filter', `label=dev.multiarch-lab.test=${LABEL}`, '--filter', `ancestor=${lan}/k3d:1`]);
      expect(started.stdout.trim()).toBe('');
    } finally {
      await cli(['settings', 'plain-http', 'rm', lan]);
      forward.close();
    }

    const list = await cli(['settings', 'plain-http', 'ls']);
    expect(list.stdout).toMatch(new RegExp(`^ {2}${other.replace(/[.]/g, '\\.')} +added in Settings$`, 'm'));
    expect(list.stdout).toMatch(new RegExp(`^ {2}${named.replace(/[.]/g, '\\.')} +builder "${BUILDER}"$`, 'm'));
  }, 180_000);
});

describe('a push that landed', () => {
  let proxy: http.Server;
  let front: string;
  beforeAll(async () => {
    // In front of the real registry: every request passes through, except the app's own reads of manifests
    // (undici says "node"), which get a 500 as a registry with a broken storage would answer.
    proxy = http.createServer((req, res) => {
      if (req.headers['user-agent'] === 'node' && /\/manifests\//.test(req.url ?? '') && (req.method === 'GET' || req.method === 'HEAD')) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'storage is failing (test)' }] }));
        return;
      }
      const upstream = http.request({ host: '127.0.0.1', port: registry.port, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${registry.port}` } }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    front = `localhost:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    proxy?.closeAllConnections();
    await new Promise((resolve) => proxy?.close(resolve));
    await removeImagesFrom(front).catch(() => undefined);
  });

  test('reading it back fails: the build is reported as pushed, naming the step that failed and why', async () => {
    const tag = `${front}/landed:1`;
    const r = await cli(['build', sample, '--builder', BUILDER, '--platform', 'linux/amd64', '--tag', tag, '--json', '--label', `dev.multiarch-lab.test=${LABEL}`]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as BuildResult;
    expect(result.pushed).toEqual([tag]);
    expect(result.afterPush).toMatchObject({ step: 'verify', title: 'Read the pushed list back from the registry', error: { code: 'registry-error' } });
    // one GET reads the list back (no HEAD first), so the registry's own error text is in the message
    expect(result.afterPush?.error.message).toBe('The registry answered 500 for landed:1 (UNKNOWN: storage is failing (test)).');
    expect(result.digest).toBe('');
    // the image is really there
    expect((await new RegistryClient({ registry: registry.address }).tags('landed')).items).toEqual(['1']);

    const text = await cli(['build', sample, '--builder', BUILDER, '--platform', 'linux/amd64', '--tag', tag, '--label', `dev.multiarch-lab.test=${LABEL}`]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^Pushed ${tag}\nbut "Read the pushed list back from the registry" failed: The registry answered 500`));
  }, 300_000);

  test('old-school: every platform pushed, joining them fails: reported as pushed, the list step named, nothing after it tried', async () => {
    const tag = `${front}/landed:2`;
    const r = await cli(['build', sample, '--old-school', '--builder', BUILDER, '--platform', TWO, '--tag', tag, '--json', '--label', `dev.multiarch-lab.test=${LABEL}`]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as BuildResult;
    expect(result.pushed).toEqual([`${tag}-amd64`, `${tag}-arm64`]);
    expect(result.afterPush).toMatchObject({ step: 'join', title: 'Join the pushed images into one manifest list', error: { code: 'registry-error' } });
    expect(result.afterPush?.error.message).toMatch(/^The registry answered 500 for landed:sha256:[a-f0-9]{64} \(UNKNOWN: storage is failing \(test\)\)\.$/);
    expect(result.platforms).toEqual([]);
    expect((await new RegistryClient({ registry: registry.address }).tags('landed')).items.sort()).toEqual(['1', '2-amd64', '2-arm64']);
  }, 300_000);
});
