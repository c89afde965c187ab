/**
 * Benchmark, side by side in one run, on a host-networked docker-container builder the app creates:
 *  1. the app's modern build (`build:run --builder B`) against `docker buildx build --builder B` doing the same
 *     (three platforms, --no-cache, push to a registry process on localhost); target: within 1.05x;
 *  2. "the fast way" against the plain way for linux/arm64 on this amd64 machine: the same CPU-bound shell loop
 *     run in the target stage (emulated by QEMU) or in a `FROM --platform=$BUILDPLATFORM` stage (native), the
 *     result copied into the arm64 image. Both built by the app, --no-cache; printed with the app's own timing line.
 * Run: PATH=/usr/bin:$PATH npx tsx bench/builder-container.ts [rounds]   (needs moby/buildkit:buildx-stable-1 loaded)
 * Everything is labelled dev.multiarch-lab.test=bench-bctr, the builder is named mal-bench-bctr-…, and removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BuildResult } from '../core/contract/build.js';
import { createCore } from '../core/index.js';
import { scaffoldSample } from '../core/tutorial/sample.js';
import { seedMultiArchImage, startRegistryProcess } from '../test/helpers/registry-process.js';
import { docker, formatMs, median, PATH_WITH_USR_BIN, printTable, ratio, timeMs } from './lib.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const THREE = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
const LABEL = 'dev.multiarch-lab.test=bench-bctr';
const BUILDER = `mal-bench-bctr-${randomBytes(3).toString('hex')}`;
// A shell loop long enough to dwarf container start-up; busybox sh runs it in either stage.
const LOOP = 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo "$i on $(uname -m)" > /out';

async function main() {
  const registry = await startRegistryProcess();
  const work = await mkdtemp(path.join(os.tmpdir(), 'mal-bench-bctr-'));
  const core = createCore({ mode: 'cli', dataDir: path.join(work, 'data'), env: { ...process.env, PATH: PATH_WITH_USR_BIN } });
  try {
    await seedMultiArchImage(registry, 'alpine', '3.15');
    const base = `${registry.localhostAddress}/alpine:3.15`;
    const sample = await scaffoldSample(path.join(work, 'hello'), { base });
    const plain = path.join(work, 'plain');
    const fast = path.join(work, 'fast');
    await mkdir(plain, { recursive: true });
    await mkdir(fast, { recursive: true });
    await writeFile(path.join(plain, 'Dockerfile'), `FROM ${base}\nRUN ${LOOP}\nCMD ["cat", "/out"]\n`);
    await writeFile(path.join(fast, 'Dockerfile'), `FROM --platform=$BUILDPLATFORM ${base} AS build\nARG TARGETARCH\nRUN ${LOOP}\nFROM ${base}\nCOPY --from=build /out /out\nCMD ["cat", "/out"]\n`);
    await core.call('builder:create', { name: BUILDER, use: false, bootstrap: true });
    const repo = `${registry.localhostAddress}/bench-bctr`;
    let n = 0;

    const app = (context: string, platforms: string[]) => core.call('build:run', { context, platforms, tag: `${repo}/x:${++n}`, mode: 'modern', builder: BUILDER, noCache: true, labels: { 'dev.multiarch-lab.test': 'bench-bctr' } });
    const cliBuild = (context: string, platforms: string[]) =>
      docker(['buildx', 'build', '--builder', BUILDER, '--platform', platforms.join(','), '--tag', `${repo}/x:${++n}`, '--output', 'type=registry,registry.insecure=true', '--provenance=false', '--no-cache', '--label', LABEL, context]);

    // warm-up, not counted: the builder's first pull of the base, the first QEMU start
    await app(sample.dir, THREE);
    await cliBuild(sample.dir, THREE);

    const appMs: number[] = [];
    const cliMs: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? ['app', 'cli'] : ['cli', 'app'];
      for (const side of order) {
        const ms = await timeMs(() => (side === 'app' ? app(sample.dir, THREE) : cliBuild(sample.dir, THREE)));
        (side === 'app' ? appMs : cliMs).push(ms);
        console.log(`  round ${r + 1} modern ${side === 'app' ? 'app' : 'docker CLI'}: ${formatMs(ms)}`);
      }
    }

    const plainMs: number[] = [];
    const fastMs: number[] = [];
    let plainResult: BuildResult | undefined;
    let fastResult: BuildResult | undefined;
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? ['plain', 'fast'] : ['fast', 'plain'];
      for (const which of order) {
        let result: BuildResult | undefined;
        const ms = await timeMs(async () => {
          result = await app(which === 'plain' ? plain : fast, ['linux/arm64']);
        });
        if (which === 'plain') {
          plainMs.push(ms);
          plainResult = result;
        } else {
          fastMs.push(ms);
          fastResult = result;
        }
        console.log(`  round ${r + 1} arm64 ${which}: ${formatMs(ms)} (${result?.timing.platforms[0]?.summary ?? ''})`);
      }
    }

    const modernApp = median(appMs);
    const modernCli = median(cliMs);
    const md = printTable(`docker-container builder, ${ROUNDS} rounds, medians`, ['flow', 'the app', 'other side', 'ratio', 'how'], [
      { flow: 'modern build (3 platforms, --no-cache, push)', app: formatMs(modernApp), cli: formatMs(modernCli), ratio: ratio(modernApp, modernCli), how: `build:run --builder ${'B'} vs docker buildx build --builder B … --output type=registry` },
      { flow: 'linux/arm64: plain (RUN emulated) vs fast ($BUILDPLATFORM stage)', app: formatMs(median(fastMs)), cli: formatMs(median(plainMs)), ratio: ratio(median(fastMs), median(plainMs)), how: 'both through build:run; the fast way over the plain way' },
    ]);
    console.log(`\nplain: ${plainResult?.timing.platforms[0]?.summary}\nfast:  ${fastResult?.timing.platforms[0]?.summary}`);
    console.log(`\n${md}\n`);
    console.log(modernApp <= modernCli * 1.05 ? 'modern: within 1.05x of docker buildx build' : `modern: NOT within 1.05x (${ratio(modernApp, modernCli)})`);
  } finally {
    await core.call('builder:remove', { name: BUILDER }).catch((e: unknown) => console.error(`could not remove ${BUILDER}: ${String(e)}`));
    await core.close();
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
