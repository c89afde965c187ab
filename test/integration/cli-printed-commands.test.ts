/**
 * A command the app prints runs as printed (issue 11, item 9): `init` prints how to build the sample, and that
 * line, split into words exactly as printed and run from another folder with no `multiarch-lab` on PATH, builds
 * and pushes to the registry configured in Settings. The CLI is the shipped one (dist/), the registry a process
 * of this test's own; the images the build leaves in the engine are removed after.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCommand } from '../../core/docker/exec.js';
import { seedMultiArchImage, startRegistryProcess, type RegistryProcess } from '../helpers/registry-process.js';
import { removeImagesFrom } from '../helpers/run-images.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shippedCli = path.join(root, 'dist', 'cli', 'index.js');

let registry: RegistryProcess;
let work = '';
let env: NodeJS.ProcessEnv;
let base = '';

/** The words of a line printed by formatCommand: plain words, or '…' with '\'' inside. */
function splitPrinted(line: string): string[] {
  const words: string[] = [];
  const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
  for (const m of line.trim().matchAll(re)) words.push(m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]!);
  return words;
}

beforeAll(async () => {
  registry = await startRegistryProcess();
  await seedMultiArchImage(registry, 'alpine', '3.15');
  base = `${registry.localhostAddress}/alpine:3.15`;
  work = await mkdtemp(path.join(os.tmpdir(), 'mal-cli-printed-'));
  const data = path.join(work, 'data');
  await mkdir(data, { recursive: true });
  // Settings name this test's registry: the printed tag must use its port, not 5000
  await writeFile(path.join(data, 'settings.json'), JSON.stringify({ registry: { port: registry.port }, workspaceDir: path.join(work, 'ws') }));
  // no multiarch-lab on this PATH: only docker and node
  env = { ...process.env, PATH: `/usr/bin:${path.dirname(process.execPath)}`, MULTIARCH_LAB_DATA_DIR: data };
  delete env.DOCKER_HOST;
});

afterAll(async () => {
  if (registry) await removeImagesFrom(registry.localhostAddress);
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the build command init prints', () => {
  test('is complete (node and the absolute CLI path, absolute folder, the registry from Settings) and runs as printed', async () => {
    const which = await runCommand('/usr/bin/which', ['multiarch-lab'], { env });
    expect(which.code, 'this test needs a PATH without multiarch-lab').not.toBe(0);

    const dir = path.join(work, 'ws', `hello-${randomBytes(3).toString('hex')}`);
    const init = await runCommand(process.execPath, [shippedCli, 'init', dir, '--base', base], { env, cwd: work, timeoutMs: 60_000 });
    expect(init.code, init.stderr).toBe(0);
    const lines = init.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('Build it for three platforms'));
    const printed = splitPrinted(lines[at + 1] ?? '');
    const tag = `localhost:${registry.port}/hello:1`;
    expect(printed).toEqual(['node', shippedCli, 'build', dir, '--platform', 'linux/amd64,linux/arm64,linux/arm/v7', '--tag', tag]);

    // run exactly that, from an unrelated folder
    const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'mal-cli-printed-cwd-'));
    try {
      const run = await runCommand(printed[0]!, printed.slice(1), { env, cwd: elsewhere, timeoutMs: 240_000 });
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
    const res = await fetch(`${registry.url}/v2/hello/manifests/1`, { headers: { Accept: 'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json' } });
    expect(res.status).toBe(200);
    const index = (await res.json()) as { manifests: Array<{ platform?: { os: string; architecture: string; variant?: string } }> };
    const platforms = index.manifests.map((m) => m.platform).filter((p) => p && p.os !== 'unknown').map((p) => [p!.os, p!.architecture, p!.variant].filter(Boolean).join('/'));
    expect(platforms.sort()).toEqual(['linux/amd64', 'linux/arm/v7', 'linux/arm64']);
  }, 300_000);
});
