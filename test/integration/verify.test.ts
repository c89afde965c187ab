/**
 * Verify against real images: built on the test engine with buildx (the default docker driver), pushed to a
 * real registry process, then read back layer by layer through `registry:verify` and the CLI. The programs
 * are the real busybox binaries of each architecture (Debian's busybox-static, from the seeded base image)
 * and a real dynamically linked program of this machine.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TaskSnapshot } from '../../core/contract/tasks.js';
import type { PlatformVerification, VerifyReport } from '../../core/contract/verify.js';
import { runCommand } from '../../core/docker/exec.js';
import { createCore, type Core } from '../../core/index.js';
import { RegistryClient } from '../../core/registry/client.js';
import { createIndex } from '../../core/registry/manifest.js';
import { seedMultiArchImage, startRegistryProcess, type RegistryProcess } from '../helpers/registry-process.js';
import { pushWithRandomLayer, removeImagesFrom } from '../helpers/run-images.js';
import { pushBrokenServerIndex, pushCorrectImage, THREE_PLATFORMS, verifyImageKit, type VerifyImageKit } from '../helpers/verify-images.js';

const execFileAsync = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const THREE = THREE_PLATFORMS;
const build = (...args: Parameters<VerifyImageKit['build']>) => kit.build(...args);

let registry: RegistryProcess;
let core: Core;
let work: string;
let base: string;
let kit: VerifyImageKit;
/** The real busybox of each platform, taken out of the base image's layers. */
const busybox = new Map<string, string>();

/** Joins per-platform images into one index, each entry listed under the platform given (which may be a lie). */
async function join(name: string, parts: Array<{ repository: string; from: string; platform: string; listAs?: string }>): Promise<string> {
  const client = new RegistryClient({ registry: registry.address });
  const entries = [];
  for (const p of parts) {
    const d = await kit.platformManifest(p.repository, p.from);
    // blobs are mounted across repositories by pushing the index in the same repository as the first part
    entries.push({ ...d, platform: p.listAs ?? p.platform });
  }
  const index = createIndex(entries);
  await client.putManifest(parts[0]!.repository, name, index.mediaType, index.text);
  return `${registry.localhostAddress}/${parts[0]!.repository}:${name}`;
}

function platformOf(report: VerifyReport, platform: string): PlatformVerification {
  const p = report.platforms.find((x) => x.platform === platform);
  if (!p) throw new Error(`no ${platform} in the report: ${report.platforms.map((x) => x.platform).join(', ')}`);
  return p;
}

let broken: Promise<string> | undefined;
/** The joined index with an x86-64 /app/echo in its arm64 entry, pushed once for the tests that need it. */
const brokenIndex = () => (broken ??= pushBrokenServerIndex(kit, registry, base));

const verify = (reference: string, platforms?: string[]) => core.call('registry:verify', { reference, ...(platforms ? { platforms } : {}) });

function cli(args: string[]) {
  const env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_DATA_DIR: path.join(work, 'cli-data') };
  return runCommand(tsx, [path.join(root, 'cli', 'index.ts'), ...args], { env, cwd: root, timeoutMs: 120_000 });
}

beforeAll(async () => {
  registry = await startRegistryProcess();
  await seedMultiArchImage(registry, 'base/busybox', '1');
  base = `${registry.localhostAddress}/base/busybox:1`;
  work = await mkdtemp(path.join(os.tmpdir(), 'mal-verify-it-'));
  kit = verifyImageKit(registry, work);
  core = createCore({ mode: 'cli', dataDir: path.join(work, 'data'), env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` } });
  for (const p of THREE) busybox.set(p, await kit.extractBusybox(p));
}, 300_000);

afterAll(async () => {
  await core?.close();
  if (registry) await removeImagesFrom(registry.localhostAddress).catch((e) => console.warn(`[test] cleanup: ${String(e)}`));
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('verify', () => {
  test('a correct 3-platform image: every platform ok, the entrypoint named per platform, the CLI exits 0', async () => {
    const tag = await pushCorrectImage(kit, base);
    const report = await verify(tag);
    // buildx adds a provenance attestation per platform: each belongs to its platform and is none itself
    const raw = (await new RegistryClient({ registry: registry.address }).getManifest('verify/good', '1')).json as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> };
    const attestations = raw.manifests.filter((m) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest');
    expect(attestations.length).toBe(3);
    for (const a of attestations) {
      const owner = report.platforms.find((p) => p.digest === a.annotations!['vnd.docker.reference.digest'])!;
      expect(owner.attestations.map((x) => x.digest)).toContain(a.digest);
    }
    expect(report.platforms.map((p) => p.platform).sort()).toEqual([...THREE].sort());
    for (const p of report.platforms) {
      expect(p.verdict, `${p.platform}: ${p.summary}`).toBe('ok');
      expect(p.entrypoint?.argv).toEqual(['hello', 'world']);
      expect(p.entrypoint?.path).toBe('/usr/local/bin/hello');
      expect(p.entrypoint?.chain.map((c) => c.resolvedPath ?? c.path)).toEqual(['/usr/local/bin/hello', '/bin/busybox']);
    }
    expect(platformOf(report, 'linux/amd64').entrypoint?.chain[1]!.summary).toMatch(/x86-64, static/);
    expect(platformOf(report, 'linux/arm64').entrypoint?.chain[1]!.summary).toMatch(/AArch64/);
    expect(platformOf(report, 'linux/arm/v7').entrypoint?.chain[1]!.summary).toMatch(/ARMv7 \(hard-float\)/);
    // the base layer is shared by nobody (one per arch), the hello layer is the same bytes on all three
    expect(report.compare.platforms).toHaveLength(3);
    expect(report.read.layers).toBe(new Set(report.platforms.flatMap((p) => p.layers.map((l) => l.digest))).size);

    const run = await cli(['verify', tag]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/All 3 platforms are ok/);
    expect(run.stdout).toMatch(/linux\/arm64\s+OK/);
  });

  test('an index whose arm64 entry holds an x86-64 entrypoint: mismatch naming the file and both machines; the CLI exits non-zero', async () => {
    const ref = await brokenIndex();
    const report = await verify(ref);
    expect(platformOf(report, 'linux/amd64').verdict).toBe('ok');
    const armV = platformOf(report, 'linux/arm64');
    expect(armV.verdict).toBe('mismatch');
    const finding = armV.findings.find((f) => f.path === '/app/echo')!;
    expect(finding).toMatchObject({ kind: 'mismatch', machine: 'x86-64', expected: 'linux/arm64' });
    expect(finding.message).toMatch(/\/app\/echo is built for x86-64, but this entry is linux\/arm64/);
    expect(finding.fix).toMatch(/linux\/amd64/);

    const run = await cli(['verify', ref]);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/linux\/arm64\s+MISMATCH/);
    expect(run.stdout).toMatch(/\/app\/echo is built for x86-64/);
    const json = await cli(['verify', ref, '--platform', 'linux/arm64', '--json']);
    expect(json.code).toBe(2);
    const parsed = JSON.parse(json.stdout) as VerifyReport;
    expect(parsed.platforms.map((p) => p.platform)).toEqual(['linux/arm64']);
  });

  test('the run matrix on this x86-64 host: the arm64 run exits 0 and prints nothing wrong, and its files still flag it; the CLI run says the same', async () => {
    expect(os.machine(), 'this test needs an x86-64 host, where the x86-64 program runs natively').toBe('x86_64');
    const ref = await brokenIndex();
    const updates: TaskSnapshot[] = [];
    const off = core.events.on('task:update', (t) => {
      if (t.kind === 'runs') updates.push(t);
    });
    const m = await core.call('runs:start', { reference: ref, concurrency: 2 }).finally(off);
    // the task's own steps say the same as the matrix: the files were read, and they failed the arm64 run
    const steps = updates[updates.length - 1]!.steps;
    expect(steps.find((s) => s.id === 'verify')).toMatchObject({ state: 'done', detail: 'linux/amd64 ok, linux/arm64 mismatch' });
    expect(steps.find((s) => s.id === 'run:linux/arm64')).toMatchObject({ state: 'failed', detail: expect.stringMatching(/^fail: .*\(files-mismatch\)$/) });
    const amd = m.runs.find((r) => r.platform === 'linux/amd64')!;
    const arm = m.runs.find((r) => r.platform === 'linux/arm64')!;
    // what the program did: ran, printed "serving", exited 0 — nothing in the output gives it away
    expect(arm.stdout.trim(), arm.explanation).toBe('serving');
    expect(arm.exitCode).toBe(0);
    expect(amd.verification).toMatchObject({ verdict: 'ok', entrypoint: '/app/echo' });
    expect(arm).toMatchObject({ result: 'fail', failure: 'files-mismatch', execution: 'native' });
    expect(arm.verification).toMatchObject({ verdict: 'mismatch', entrypoint: '/app/echo', path: '/app/echo' });
    expect(arm.explanation).toMatch(/printed no machine name, but its files say otherwise: \/app\/echo is built for x86-64, but this entry is linux\/arm64/);
    expect(arm.explanation).toMatch(/runs x86-64 programs without any emulator/);
    expect(m.ok).toBe(false);
    // the same verdict as `verify` gives on its own
    const report = await verify(ref);
    expect(m.runs.map((r) => [r.platform, r.verification?.verdict])).toEqual(m.runs.map((r) => [r.platform, platformOf(report, r.platform).verdict]));

    const run = await cli(['run', ref]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^ {2}PLATFORM +EXPECTED +PRINTED +RESULT +FILES +RAN +EXIT +TIME$/m);
    expect(run.stdout).toMatch(/linux\/arm64 .*fail \(files-mismatch\) +mismatch +native/);
    expect(run.stdout).toMatch(/linux\/arm64: mismatch, entrypoint \/app\/echo: \/app\/echo is built for x86-64/);
  });

  test('a dynamic program whose loader is missing, and a script whose interpreter is missing: will not start', async () => {
    const { stdout: interp } = await execFileAsync('readelf', ['-l', '/bin/true']).catch(() => ({ stdout: '' }));
    const loader = /Requesting program interpreter: ([^\]]+)\]/.exec(interp)?.[1];
    expect(loader, 'this machine has a dynamically linked /bin/true').toBeTruthy();
    const tag = await build('dyn', ['linux/amd64'], `FROM ${base}\nCOPY --chmod=755 true /app/true\nENTRYPOINT ["/app/true"]\n`, { true: { copy: '/bin/true' } });
    const dyn = platformOf(await verify(tag), 'linux/amd64');
    expect(dyn.verdict).toBe('will-not-start');
    expect(dyn.findings[0]).toMatchObject({ kind: 'will-not-start', path: loader });
    expect(dyn.findings[0]!.message).toMatch(new RegExp(`needs the loader ${loader!.replace(/[.]/g, '\\.')}, which is not in the image`));

    const script = await build('script', ['linux/amd64'], `FROM ${base}\nCOPY --chmod=755 run.sh /run.sh\nCMD ["/run.sh"]\n`, { 'run.sh': '#!/bin/bash\necho hi\n' });
    const s = platformOf(await verify(script), 'linux/amd64');
    expect(s.verdict).toBe('will-not-start');
    expect(s.findings[0]).toMatchObject({ path: '/bin/bash' });
    expect(s.findings[0]!.message).toMatch(/\/run\.sh is a script for \/bin\/bash, which is not in the image/);
    const run = await cli(['verify', script]);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/WILL-NOT-START/);
  });

  test('whiteouts: an x86-64 program deleted in a later layer of an arm64 image is not reported', async () => {
    const before = `FROM ${base}\nCOPY --chmod=755 stray /usr/bin/stray\n`;
    const withStray = await build('stray', ['linux/arm64'], before, { stray: { copy: busybox.get('linux/amd64')! } });
    const kept = platformOf(await verify(withStray), 'linux/arm64');
    expect(kept.verdict).toBe('mismatch');
    expect(kept.files.mismatched.map((f) => f.path)).toEqual(['/usr/bin/stray']);

    const removed = await build('stray-removed', ['linux/arm64'], `${before}RUN ["/bin/busybox", "rm", "/usr/bin/stray"]\n`, { stray: { copy: busybox.get('linux/amd64')! } });
    const v = platformOf(await verify(removed), 'linux/arm64');
    expect(v.layers.length).toBe(kept.layers.length + 1);
    expect(v.verdict, v.summary).toBe('ok');
    expect(v.files.mismatched).toEqual([]);
  });

  test('an arm/v6 entry holding ARMv7 code: mismatch, read from .ARM.attributes', async () => {
    const ref = await join('v6', [{ repository: 'base/busybox', from: 'linux/arm/v7', platform: 'linux/arm/v7', listAs: 'linux/arm/v6' }]);
    const report = await verify(ref);
    const v6 = platformOf(report, 'linux/arm/v6');
    expect(v6.verdict).toBe('mismatch');
    const f = v6.findings.find((x) => x.kind === 'mismatch')!;
    expect(f.message).toMatch(/ARMv7.*newer than ARMv6/);
    expect(v6.entrypoint?.chain.some((c) => c.content.kind === 'elf' && c.content.elf.arm?.archVersionSource === '.ARM.attributes')).toBe(true);
  });

  test('compare: two platforms whose layers differ only in file times are reported with the wasted bytes', async () => {
    const payload = path.join(work, 'payload.bin');
    await writeFile(payload, randomBytes(300_000));
    const dockerfile = `FROM ${base}\nCOPY payload.bin /data/payload.bin\n`;
    await build('t-amd64', ['linux/amd64'], dockerfile, { 'payload.bin': { copy: payload, mtime: 1_600_000_000 } });
    await build('t-arm64', ['linux/arm64'], dockerfile, { 'payload.bin': { copy: payload, mtime: 1_700_000_000 } });
    const client = new RegistryClient({ registry: registry.address });
    const arm = await kit.platformManifest('verify/t-arm64', 'linux/arm64');
    await kit.mountManifest('verify/t-arm64', 'verify/t-amd64', arm.digest);
    const amd = await kit.platformManifest('verify/t-amd64', 'linux/amd64');
    const index = createIndex([
      { ...amd, platform: 'linux/amd64' },
      { ...arm, platform: 'linux/arm64' },
    ]);
    await client.putManifest('verify/t-amd64', 'joined', index.mediaType, index.text);
    const report = await verify(`${registry.localhostAddress}/verify/t-amd64:joined`);
    expect(report.compare.timeOnly).toHaveLength(1);
    const t = report.compare.timeOnly[0]!;
    expect(t.layers.map((l) => l.platforms[0]).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(t.files).toBe(1);
    // the random payload does not compress: each copy is about 300 kB
    expect(t.wastedBytes).toBeGreaterThan(290_000);
    expect(report.compare.wastedBytes).toBe(t.wastedBytes);
    // the two payload layers matched on their sampled bytes, so both were read again with every byte hashed
    expect(report.read.reread?.layers).toBe(2);
    const run = await cli(['verify', `${registry.localhostAddress}/verify/t-amd64:joined`]);
    expect(run.stdout).toMatch(/differ only in file times/);
    expect(run.stdout).toMatch(/2 of them read a second time .* to confirm they differ only in file times/);
  });

  test('compare: layers that match on the sampled start and end of each file but differ inside are not reported', async () => {
    const payload = randomBytes(300_000);
    const other = Buffer.from(payload);
    other[150_000] = other[150_000]! ^ 0xff; // far from the first and last 4 KiB the scan samples
    await writeFile(path.join(work, 'mid-a.bin'), payload);
    await writeFile(path.join(work, 'mid-b.bin'), other);
    const dockerfile = `FROM ${base}\nCOPY payload.bin /data/payload.bin\n`;
    await build('m-amd64', ['linux/amd64'], dockerfile, { 'payload.bin': { copy: path.join(work, 'mid-a.bin'), mtime: 1_600_000_000 } });
    await build('m-arm64', ['linux/arm64'], dockerfile, { 'payload.bin': { copy: path.join(work, 'mid-b.bin'), mtime: 1_700_000_000 } });
    const client = new RegistryClient({ registry: registry.address });
    const arm = await kit.platformManifest('verify/m-arm64', 'linux/arm64');
    await kit.mountManifest('verify/m-arm64', 'verify/m-amd64', arm.digest);
    const amd = await kit.platformManifest('verify/m-amd64', 'linux/amd64');
    const index = createIndex([
      { ...amd, platform: 'linux/amd64' },
      { ...arm, platform: 'linux/arm64' },
    ]);
    await client.putManifest('verify/m-amd64', 'joined', index.mediaType, index.text);
    const report = await verify(`${registry.localhostAddress}/verify/m-amd64:joined`);
    // the sample could not tell them apart, so both were read again; every byte says they differ
    expect(report.read.reread?.layers).toBe(2);
    expect(report.compare.timeOnly).toEqual([]);
    expect(report.compare.wastedBytes).toBe(0);
  });

  test('zstd layers as buildx pushes them are read too', async () => {
    const tag = await build('zstd', ['linux/amd64', 'linux/arm64'], `FROM ${base}\nCOPY --chmod=755 hello /usr/local/bin/hello\nCMD ["hello"]\n`, { hello: '#!/bin/sh\necho hi\n' }, { compression: 'zstd' });
    const report = await verify(tag);
    for (const p of report.platforms) {
      expect(p.verdict, p.summary).toBe('ok');
      expect(p.layers.every((l) => l.compression === 'zstd')).toBe(true);
    }
  });

  test('a layer the registry lost: unknown, naming the layer and the registry answer; the CLI exits non-zero', async () => {
    const tag = await build('lost', ['linux/amd64'], `FROM ${base}\nCOPY --chmod=755 hello /usr/local/bin/hello\nCMD ["hello"]\n`, { hello: '#!/bin/sh\necho lost\n' });
    const client = new RegistryClient({ registry: registry.address });
    const m = await kit.platformManifest('verify/lost', 'linux/amd64');
    const layers = ((await client.getManifest('verify/lost', m.digest)).json as { layers: Array<{ digest: string }> }).layers;
    const last = layers[layers.length - 1]!.digest;
    const hex = last.slice('sha256:'.length);
    await rm(path.join(registry.dataDir, 'storage', 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex), { recursive: true });
    const v = platformOf(await verify(tag), 'linux/amd64');
    expect(v.verdict).toBe('unknown');
    expect(v.summary).toMatch(new RegExp(`Layer ${last} could not be read`));
    expect(v.layers.find((l) => l.digest === last)?.error?.code).toBe('not-found');
    const run = await cli(['verify', tag]);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/UNKNOWN/);
  });

  test('cancelling a verify of a 64 MiB layer ends it at once with "cancelled"', async () => {
    await pushWithRandomLayer(registry, 'base/busybox', '1', 'big', 64 * 1024 * 1024);
    const controller = new AbortController();
    const started = Date.now();
    const pending = core.call('registry:verify', { reference: `${registry.localhostAddress}/base/busybox:big`, hostCheck: false }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 150);
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('bad input and a missing image get clear errors', async () => {
    await expect(verify('localhost:1/x:1', ['arm64'])).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(verify(`${registry.localhostAddress}/verify/nothing:1`)).rejects.toMatchObject({ code: 'not-found' });
    await expect(verify(base, ['linux/s390x'])).rejects.toMatchObject({ code: 'not-found', hint: expect.stringMatching(/linux\/amd64/) });
  });
});
