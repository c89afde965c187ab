/**
 * Benchmark: inspecting an 8-platform index through the app core vs `docker buildx imagetools inspect`.
 * Run: PATH=/usr/bin:$PATH npx tsx bench/inspect.ts [runs]
 *
 * Sets up a throwaway registry process, pushes the 3-platform test image, builds 5 more platforms
 * (FROM scratch + a small file: nothing needs to run, so no emulation), joins all 8 into one OCI
 * index with the core's own createIndex/putManifest, then times each way of looking at it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { RegistryClient } from '../core/registry/client.js';
import { createIndex, inspectImage, type IndexEntryInput } from '../core/registry/manifest.js';
import { DOCKER_CLI, docker, seedMultiArchImage, startRegistryProcess } from '../test/helpers/registry-process.js';

const execFileAsync = promisify(execFile);
const RUNS = Number(process.argv[2] ?? 10);
const EXTRA_PLATFORMS = ['linux/386', 'linux/ppc64le', 'linux/s390x', 'linux/riscv64', 'linux/arm/v6'];
const LABEL = 'dev.multiarch-lab.test=bench-inspect';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm-up: first CLI start and first TCP connect are not what we compare
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

const cli = (args: string[]) => execFileAsync(DOCKER_CLI, args, { maxBuffer: 32 * 1024 * 1024 });

async function main() {
  const started = performance.now();
  const registry = await startRegistryProcess();
  const repo = 'bench/eight';
  const built = `${registry.localhostAddress}/${repo}:extra`;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-bench-'));
  try {
    process.stdout.write('setting up: push 3 platforms, build and push 5 more, join 8 into one index… ');
    await seedMultiArchImage(registry, repo, 'busybox');
    await writeFile(path.join(dir, 'payload.txt'), 'a small file standing in for an application\n');
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY payload.txt /payload.txt\n');
    try {
      await docker(['buildx', 'build', '--builder', 'default', '--platform', EXTRA_PLATFORMS.join(','), '--provenance=false', '--label', LABEL, '-t', built, '--push', dir]);
    } finally {
      await docker(['image', 'rm', built]).catch(() => undefined);
    }

    const client = new RegistryClient({ registry: registry.address });
    const entries: IndexEntryInput[] = [];
    for (const tag of ['busybox', 'extra']) {
      const list = await client.getManifest(repo, tag);
      for (const m of (list.json as { manifests: Array<{ digest: string; size: number; mediaType: string; platform: { os: string; architecture: string; variant?: string } }> }).manifests) {
        entries.push({ digest: m.digest, size: m.size, mediaType: m.mediaType, platform: m.platform });
      }
    }
    if (entries.length !== 8) throw new Error(`expected 8 platform manifests, found ${entries.length}`);
    const index = createIndex(entries);
    await client.putManifest(repo, '8', index.mediaType, index.text);
    console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const ref = `${registry.address}/${repo}:8`;
    const cliRef = `${registry.localhostAddress}/${repo}:8`;
    const check = await inspectImage(new RegistryClient({ registry: registry.address }), ref);
    console.log(`index ${check.digest}: ${check.platforms.length} platforms (${check.platforms.join(', ')}), ${check.sharedLayers.length} shared layer(s)\n`);

    const rows: Array<[string, string, number[]]> = [];
    rows.push(['core inspectImage (index + 8 manifests + 8 configs)', '17 requests, in process', await time(() => inspectImage(new RegistryClient({ registry: registry.address }), ref))]);
    rows.push(['core inspectImage, configs off (index + 8 manifests)', '9 requests, in process', await time(() => inspectImage(new RegistryClient({ registry: registry.address }), ref, { configs: false }))]);
    rows.push(['imagetools inspect --raw', 'index only, 1 process', await time(() => cli(['buildx', 'imagetools', 'inspect', '--raw', cliRef]))]);
    rows.push(['imagetools inspect', 'index, 1 process', await time(() => cli(['buildx', 'imagetools', 'inspect', cliRef]))]);
    rows.push(["imagetools inspect --format '{{json .}}'", 'index + manifests + configs, 1 process', await time(() => cli(['buildx', 'imagetools', 'inspect', '--format', '{{json .}}', cliRef]))]);
    const digests = check.root.kind === 'index' ? check.root.children.map((c) => c.digest) : [];
    rows.push([
      'imagetools inspect --raw, index + each manifest',
      '9 processes, one after another',
      await time(async () => {
        await cli(['buildx', 'imagetools', 'inspect', '--raw', cliRef]);
        for (const d of digests) await cli(['buildx', 'imagetools', 'inspect', '--raw', `${registry.localhostAddress}/${repo}@${d}`]);
      }),
    ]);

    const core = median(rows[0]![2]);
    console.log(`median of ${RUNS} runs each (after one warm-up)\n`);
    console.log(`${'what'.padEnd(56)}${'work'.padEnd(42)}${'median'.padStart(10)}${'vs core'.padStart(10)}`);
    for (const [what, work, samples] of rows) {
      const m = median(samples);
      console.log(`${what.padEnd(56)}${work.padEnd(42)}${`${m.toFixed(1)} ms`.padStart(10)}${`${(m / core).toFixed(2)}x`.padStart(10)}`);
    }
    const raw = median(rows[2]![2]);
    console.log(`\nratio core full tree / imagetools --raw: ${(core / raw).toFixed(2)} (below 1 means the core is faster)`);
    console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await registry.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
