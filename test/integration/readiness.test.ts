/**
 * The readiness check against a real registry (base images' platforms read from it) and through the CLI
 * (`multiarch-lab check DIR`): a base image that lacks a requested platform is an error with its line; one that
 * has them all is not; a base on a registry that does not answer is "cannot tell"; a cross-building Dockerfile
 * passes.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ReadinessReport } from '../../core/contract/build.js';
import { runCommand } from '../../core/docker/exec.js';
import { createCore, type Core } from '../../core/index.js';
import { freePort, seedMultiArchImage, startRegistryProcess, type RegistryProcess } from '../helpers/registry-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const entry = path.join(root, 'cli', 'index.ts');

let registry: RegistryProcess;
let core: Core;
let work: string;
let base: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  registry = await startRegistryProcess();
  await seedMultiArchImage(registry, 'alpine', '3.15');
  base = `${registry.localhostAddress}/alpine:3.15`;
  work = await mkdtemp(path.join(os.tmpdir(), 'mal-test-ready-'));
  env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_DATA_DIR: path.join(work, 'data') };
  core = createCore({ mode: 'cli', dataDir: path.join(work, 'data'), env });
}, 120_000);

afterAll(async () => {
  await core?.close();
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function project(name: string, dockerfile: string): Promise<string> {
  const dir = path.join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'Dockerfile'), dockerfile);
  return dir;
}

describe('the base image rule, read from the registry', () => {
  test('a requested platform the base image lacks is an error on its FROM line; the ones it has pass', async () => {
    const dir = await project('riscv', `FROM ${base}\nRUN echo hi\n`);
    const r = await core.call('build:readiness', { context: dir, platforms: ['linux/amd64', 'linux/arm64', 'linux/riscv64'] });
    expect(r.bases).toEqual([{ line: 1, image: base, platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'], missing: ['linux/riscv64'] }]);
    const f = r.findings.find((x) => x.rule === 'base-platform')!;
    expect(f).toMatchObject({ severity: 'error', line: 1, platforms: ['linux/riscv64'] });
    expect(f.message).toBe(`${base} has no linux/riscv64 image (it holds linux/amd64, linux/arm64, linux/arm/v7).`);
    expect(r.ready).toBe(false);

    const ok = await core.call('build:readiness', { context: dir, platforms: ['linux/amd64', 'linux/arm/v7'] });
    expect(ok.findings).toEqual([]);
    expect(ok.ready).toBe(true);
  });

  test('a base on a registry that does not answer: cannot tell, said as such, not an error', async () => {
    const port = await freePort();
    const dir = await project('silent', `FROM localhost:${port}/nothing:1\n`);
    const r = await core.call('build:readiness', { context: dir, platforms: ['linux/amd64'] });
    expect(r.bases[0]?.cannotTell).toBeTruthy();
    expect(r.findings).toEqual([expect.objectContaining({ rule: 'base-platform', severity: 'info', line: 1 })]);
    expect(r.findings[0]!.message).toMatch(new RegExp(`^Cannot tell which platforms localhost:${port}/nothing:1 has: `));
    expect(r.ready).toBe(true);
  });
});

describe('multiarch-lab check DIR', () => {
  test('a Dockerfile that compiles under emulation with a fixed GOARCH: findings with lines, why and the change; exit 1 only for errors', async () => {
    const dir = await project('slow', `FROM ${base}\nRUN GOARCH=amd64 go build -o /app .\nRUN go build -o /app2 .\n`);
    const r = await runCommand(tsx, [entry, 'check', dir, '--platform', 'linux/amd64,linux/arm64'], { env, timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('warning: line 2: GOARCH=amd64 is a constant');
    expect(r.stdout).toContain('info: line 3: `go build` runs in a stage built for each target platform, so for linux/arm64 it runs under emulation.');
    expect(r.stdout).toContain('change: Compile in a stage that runs natively');
    expect(r.stdout).toContain('Ready to build.');

    const bad = await runCommand(tsx, [entry, 'check', dir, '--platform', 'linux/s390x', '--json'], { env, timeoutMs: 120_000 });
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout) as ReadinessReport;
    expect(report.findings.map((f) => [f.rule, f.line, f.severity])).toContainEqual(['base-platform', 1, 'error']);
    expect(report.buildPlatform).toBe('linux/amd64');
  }, 180_000);

  test('the fast way (a $BUILDPLATFORM stage cross-building, COPY --from into the target stage) passes', async () => {
    const dir = await project('fast', `FROM --platform=$BUILDPLATFORM ${base} AS build\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build -o /app .\nFROM ${base}\nCOPY --from=build /app /app\n`);
    const r = await core.call('build:readiness', { context: dir, platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'] });
    expect(r.findings).toEqual([]);
    expect(r.bases.map((b) => [b.line, b.missing])).toEqual([[1, []], [4, []]]);
  });

  test('a script the kernel could not start: read from the context as it is on disk (CRLF #!, no execute bit), then fixed', async () => {
    const dir = await project('entry', `FROM ${base}\nCOPY run.sh /usr/local/bin/run.sh\nENTRYPOINT ["/usr/local/bin/run.sh"]\n`);
    const script = path.join(dir, 'run.sh');
    await writeFile(script, '#!/bin/sh\r\necho hi\r\n', { mode: 0o644 });
    await chmod(script, 0o644);
    const r = await core.call('build:readiness', { context: dir, platforms: ['linux/amd64', 'linux/arm64'] });
    const found = r.findings.filter((f) => f.rule === 'entrypoint-script');
    expect(found.map((f) => [f.line, f.severity])).toEqual([[2, 'error'], [2, 'error']]);
    expect(found[0]?.message).toContain('CRLF');
    expect(found[1]?.message).toContain('not executable');
    expect(r.ready).toBe(false);

    await writeFile(script, '#!/bin/sh\necho hi\n');
    await chmod(script, 0o755);
    const fixed = await core.call('build:readiness', { context: dir, platforms: ['linux/amd64', 'linux/arm64'] });
    expect(fixed.findings).toEqual([]);
    expect(fixed.ready).toBe(true);
  });
});
