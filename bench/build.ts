/**
 * Benchmark: the app's two build flows against the same work typed as docker commands, side by side in one run.
 * Run: PATH=/usr/bin:$PATH npx tsx bench/build.ts [runs]
 *
 *  - modern: `build:run` (mode modern) vs `docker buildx build --platform a,b,c … --push`;
 *  - old-school: `build:run` (mode old-school, platforms in parallel) vs the steps one after the other:
 *    `docker build --platform P -t REF-arch` + `docker push REF-arch` per platform, then
 *    `docker manifest create --insecure REF --amend …` + `docker manifest push --insecure REF`;
 *  - old-school, like for like (issue 17): the same app run vs what a person with a script would do: each
 *    platform's build + push in the background at once, then the manifest create/push.
 * The modern flow runs the same `docker buildx build` the CLI side types (plus --progress=rawjson to read it),
 * so its ratio is the app's overhead around that one command, not a different way of building.
 * Every build is --no-cache, on the engine's own builder, into a registry process on a free loopback port, with
 * the sample project on the busybox stand-in for alpine:3.15. Rounds alternate which side goes first.
 * Targets: modern within 1.1x of the CLI; old-school faster than the sequential CLI steps.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { platformTag } from '../core/commands/build.js';
import { createCore } from '../core/index.js';
import { parseImageReference } from '../core/registry/reference.js';
import { scaffoldSample } from '../core/tutorial/sample.js';
import { DOCKER_CLI, seedMultiArchImage, startRegistryProcess } from '../test/helpers/registry-process.js';

const execFileAsync = promisify(execFile);
const RUNS = Number(process.argv[2] ?? 3);
const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
const LABEL = 'dev.multiarch-lab.test=bench-build';

const cli = (args: string[]) => execFileAsync(DOCKER_CLI, args, { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` } });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

async function main() {
  const started = performance.now();
  const registry = await startRegistryProcess();
  const work = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-bench-build-'));
  const core = createCore({ mode: 'cli', dataDir: path.join(work, 'data'), env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` } });
  const localImages = new Set<string>();
  try {
    process.stdout.write('setting up: registry process, base image, sample project… ');
    await seedMultiArchImage(registry, 'alpine', '3.15');
    const sample = await scaffoldSample(path.join(work, 'hello'), { base: `${registry.localhostAddress}/alpine:3.15` });
    const repo = `${registry.localhostAddress}/bench/hello`;
    console.log('done\n');

    let n = 0;
    const nextTag = (what: string) => `${repo}:${what}-${++n}`;

    const appModern = async () => {
      const tag = nextTag('app-modern');
      localImages.add(tag);
      const r = await core.call('build:run', { context: sample.dir, platforms: PLATFORMS, tag, mode: 'modern', noCache: true, labels: { 'dev.multiarch-lab.test': 'bench-build' } });
      if (r.platforms.length !== 3) throw new Error(`the app pushed ${r.platforms.join(', ')}`);
    };
    const cliModern = async () => {
      const tag = nextTag('cli-modern');
      localImages.add(tag);
      await cli(['buildx', 'build', '--builder', 'default', '--platform', PLATFORMS.join(','), '--tag', tag, '--provenance=false', '--no-cache', '--label', LABEL, '--push', sample.dir]);
    };
    const appOldSchool = async () => {
      const tag = nextTag('app-old');
      for (const p of PLATFORMS) localImages.add(platformTag(parseImageReference(tag), p));
      const r = await core.call('build:run', { context: sample.dir, platforms: PLATFORMS, tag, mode: 'old-school', noCache: true, labels: { 'dev.multiarch-lab.test': 'bench-build' } });
      if (r.platforms.length !== 3) throw new Error(`the app pushed ${r.platforms.join(', ')}`);
    };
    const cliOldSchool = async () => {
      const tag = nextTag('cli-old');
      const tags = PLATFORMS.map((p) => platformTag(parseImageReference(tag), p));
      for (const t of tags) localImages.add(t);
      for (const [i, p] of PLATFORMS.entries()) {
        await cli(['build', '--builder', 'default', '--platform', p, '-t', tags[i]!, '--provenance=false', '--no-cache', '--label', LABEL, sample.dir]);
        await cli(['push', tags[i]!]);
      }
      await cli(['manifest', 'create', '--insecure', tag, ...tags.flatMap((t) => ['--amend', t])]);
      await cli(['manifest', 'push', '--insecure', tag]);
      // the caller drops docker manifest's local copy of the list outside the timing
      return tag;
    };

    const cliOldSchoolParallel = async () => {
      const tag = nextTag('cli-oldpar');
      const tags = PLATFORMS.map((p) => platformTag(parseImageReference(tag), p));
      for (const t of tags) localImages.add(t);
      await Promise.all(
        PLATFORMS.map(async (p, i) => {
          await cli(['build', '--builder', 'default', '--platform', p, '-t', tags[i]!, '--provenance=false', '--no-cache', '--label', LABEL, sample.dir]);
          await cli(['push', tags[i]!]);
        }),
      );
      await cli(['manifest', 'create', '--insecure', tag, ...tags.flatMap((t) => ['--amend', t])]);
      await cli(['manifest', 'push', '--insecure', tag]);
      return tag;
    };

    const pairs: Array<{ name: string; app: () => Promise<unknown>; cli: () => Promise<unknown>; appSamples: number[]; cliSamples: number[] }> = [
      { name: 'modern', app: appModern, cli: cliModern, appSamples: [], cliSamples: [] },
      { name: 'old-school', app: appOldSchool, cli: cliOldSchool, appSamples: [], cliSamples: [] },
      { name: 'old-school-parallel', app: appOldSchool, cli: cliOldSchoolParallel, appSamples: [], cliSamples: [] },
    ];

    process.stdout.write('warm-up (not counted)… ');
    for (const pair of pairs) {
      await pair.app();
      const tag = await pair.cli();
      if (typeof tag === 'string') await cli(['manifest', 'rm', tag]).catch(() => undefined);
    }
    console.log('done');

    for (let round = 0; round < RUNS; round++) {
      for (const pair of pairs) {
        // alternate who goes first, so neither side always meets a warmer engine
        const order = round % 2 === 0 ? (['app', 'cli'] as const) : (['cli', 'app'] as const);
        for (const side of order) {
          let tag: unknown;
          const seconds = await timed(async () => {
            tag = await pair[side]();
          });
          if (typeof tag === 'string') await cli(['manifest', 'rm', tag]).catch(() => undefined);
          (side === 'app' ? pair.appSamples : pair.cliSamples).push(seconds);
          console.log(`  round ${round + 1} ${pair.name.padEnd(10)} ${side === 'app' ? 'app' : 'docker CLI'}: ${seconds.toFixed(2)} s`);
        }
      }
    }

    console.log(`\nmedian of ${RUNS} runs each, --no-cache, ${PLATFORMS.join(', ')}\n`);
    console.log(`${'flow'.padEnd(20)}${'the app'.padStart(10)}${'docker CLI'.padStart(12)}${'app / CLI'.padStart(12)}${'paired'.padStart(9)}  target`);
    let ok = true;
    for (const pair of pairs) {
      const app = median(pair.appSamples);
      const c = median(pair.cliSamples);
      const ratio = app / c;
      const target = pair.name === 'modern' ? ratio <= 1.1 : pair.name === 'old-school' ? ratio < 1 : ratio <= 1.1;
      ok &&= target;
      const goal =
        pair.name === 'modern'
          ? 'within 1.1x of `docker buildx build --push` (the same command: this is overhead)'
          : pair.name === 'old-school'
            ? 'faster than the sequential build/push/manifest steps'
            : 'within 1.1x of the same steps run in parallel';
      // the median of each round's own ratio: less swayed when the machine's load drifts between rounds
      const paired = median(pair.appSamples.map((x, i) => x / pair.cliSamples[i]!));
      console.log(`${pair.name.padEnd(20)}${`${app.toFixed(2)} s`.padStart(10)}${`${c.toFixed(2)} s`.padStart(12)}${`${ratio.toFixed(2)}x`.padStart(12)}${`${paired.toFixed(2)}x`.padStart(9)}  ${target ? 'met' : 'MISSED'}: ${goal}`);
    }
    console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
    if (!ok) process.exitCode = 1;
  } finally {
    for (const image of localImages) await cli(['image', 'rm', image]).catch(() => undefined);
    await core.close();
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
