/**
 * Benchmark, side by side in one run, on a host-networked docker-container builder the app creates:
 *  1. the app's modern build (`build:run --builder B`) against `docker buildx build --builder B` doing the same
 *     (three platforms, --no-cache, push to a registry process on localhost); target: within 1.05x;
 *     and where the app's own time goes around that command: before it (checks, builder choice), the buildx
 *     process itself, and after it (the read-back of the pushed list, the local image look);
 *  2. the tutorial's "fast way" sample (`init --sample fast`) against the plain sample for linux/arm64 on this amd64
 *     machine, both built by the app, --no-cache;
 *  3. the same comparison with real work: a CPU-bound shell loop run in the target stage (emulated by QEMU) or in
 *     a `FROM --platform=$BUILDPLATFORM` stage (native), the result copied into the arm64 image.
 * The last lines (`bctr-…`) are for bench/run-all.ts to pick up.
 * Run: PATH=/usr/bin:$PATH npx tsx bench/builder-container.ts [rounds] [modern]   (needs moby/buildkit:buildx-stable-1 loaded;
 * `modern` runs the first comparison only). Beside the wall clock, each side's CPU time: this node process's own
 * (process.cpuUsage: the app's work; the CLI side only waits) and its finished child processes' (/proc/self/stat
 * cutime+cstime: the docker CLI and buildx plugin processes each side started; BuildKit's own work is in neither).
 * Everything is labelled dev.multiarch-lab.test=bench-bctr, the builder is named mal-bench-bctr-…, and removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BuildResult } from '../core/contract/build.js';
import { createCore } from '../core/index.js';
import { scaffoldSample } from '../core/tutorial/sample.js';
import { seedMultiArchImage, startRegistryProcess } from '../test/helpers/registry-process.js';
import { docker, formatMs, median, PATH_WITH_USR_BIN, printTable, ratio, timeMs } from './lib.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const ONLY_MODERN = process.argv[3] === 'modern';

/** CPU time in ms: this process's own, and that of its children already waited for (clock ticks of 10 ms). */
function cpuNow(): { self: number; children: number } {
  const u = process.cpuUsage();
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // after the command name: state is field 3, cutime field 16, cstime field 17 (1-based, man 5 proc)
  const ticks = Number(fields[16 - 3]) + Number(fields[17 - 3]);
  return { self: (u.user + u.system) / 1000, children: ticks * 10 };
}
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
    const fastSample = await scaffoldSample(path.join(work, 'hello-fast'), { base, sample: 'fast' });
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
    // the app's own time: before the task (checks, builder choice), the buildx command, after it (read-back…)
    const beforeMs: number[] = [];
    const buildxMs: number[] = [];
    const afterMs: number[] = [];
    const cpu = { app: { self: [] as number[], children: [] as number[] }, cli: { self: [] as number[], children: [] as number[] } };
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? ['app', 'cli'] : ['cli', 'app'];
      for (const side of order) {
        let result: BuildResult | undefined;
        const cpu0 = cpuNow();
        const ms = await timeMs(async () => {
          if (side === 'app') result = await app(sample.dir, THREE);
          else await cliBuild(sample.dir, THREE);
        });
        const cpu1 = cpuNow();
        (side === 'app' ? appMs : cliMs).push(ms);
        const c = side === 'app' ? cpu.app : cpu.cli;
        c.self.push(cpu1.self - cpu0.self);
        c.children.push(cpu1.children - cpu0.children);
        if (result) {
          beforeMs.push(ms - result.durations.totalMs);
          buildxMs.push(result.durations.buildMs);
          afterMs.push(result.durations.totalMs - result.durations.buildMs);
        }
        console.log(`  round ${r + 1} modern ${side === 'app' ? 'app' : 'docker CLI'}: ${formatMs(ms)} (CPU: node ${formatMs(cpu1.self - cpu0.self)}, child processes ${formatMs(cpu1.children - cpu0.children)})`);
      }
    }

    const samplePlainMs: number[] = [];
    const sampleFastMs: number[] = [];
    for (let r = 0; r < (ONLY_MODERN ? 0 : ROUNDS); r++) {
      const order = r % 2 === 0 ? ['plain', 'fast'] : ['fast', 'plain'];
      for (const which of order) {
        let result: BuildResult | undefined;
        const ms = await timeMs(async () => {
          result = await app(which === 'plain' ? sample.dir : fastSample.dir, ['linux/arm64']);
        });
        (which === 'plain' ? samplePlainMs : sampleFastMs).push(ms);
        console.log(`  round ${r + 1} arm64 ${which} sample: ${formatMs(ms)} (${result?.timing.platforms[0]?.summary ?? ''})`);
      }
    }

    const plainMs: number[] = [];
    const fastMs: number[] = [];
    let plainResult: BuildResult | undefined;
    let fastResult: BuildResult | undefined;
    for (let r = 0; r < (ONLY_MODERN ? 0 : ROUNDS); r++) {
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
      { flow: 'linux/arm64 samples: fast vs plain', app: formatMs(median(sampleFastMs)), cli: formatMs(median(samplePlainMs)), ratio: ratio(median(sampleFastMs), median(samplePlainMs)), how: 'the tutorial samples through build:run: `init --sample fast` over the plain sample' },
      { flow: 'linux/arm64 with a CPU-bound step: fast vs plain', app: formatMs(median(fastMs)), cli: formatMs(median(plainMs)), ratio: ratio(median(fastMs), median(plainMs)), how: 'a shell loop in a $BUILDPLATFORM stage (native) over the same loop in the target stage (QEMU)' },
    ]);
    console.log(`\nthe app's modern build, medians: before the buildx command ${formatMs(median(beforeMs))}, the buildx command ${formatMs(median(buildxMs))}, after it ${formatMs(median(afterMs))}`);
    console.log(
      `CPU per modern build, medians: the app's node process ${formatMs(median(cpu.app.self))} (the CLI side's ${formatMs(median(cpu.cli.self))}), child processes ${formatMs(median(cpu.app.children))} vs ${formatMs(median(cpu.cli.children))} for docker buildx build`,
    );
    console.log(`\nplain: ${plainResult?.timing.platforms[0]?.summary}\nfast:  ${fastResult?.timing.platforms[0]?.summary}`);
    console.log(`\n${md}\n`);
    console.log(modernApp <= modernCli * 1.05 ? 'modern: within 1.05x of docker buildx build' : `modern: NOT within 1.05x (${ratio(modernApp, modernCli)})`);
    // each round's two sides ran back to back: their ratio is less moved by a load that changes over minutes
    const paired = appMs.map((a, i) => a / cliMs[i]!);
    console.log(`modern, median of the ${paired.length} per-round ratios: ${median(paired).toFixed(2)}x (each ${paired.map((r) => r.toFixed(2)).join(' ')})`);
    // for bench/run-all.ts: name, the app (or the fast way) in ms, the other side in ms
    console.log(`bctr-modern ${Math.round(modernApp)} ${Math.round(modernCli)} before=${Math.round(median(beforeMs))} buildx=${Math.round(median(buildxMs))} after=${Math.round(median(afterMs))}`);
    console.log(`bctr-samples ${Math.round(median(sampleFastMs))} ${Math.round(median(samplePlainMs))}`);
    console.log(`bctr-loop ${Math.round(median(fastMs))} ${Math.round(median(plainMs))}`);
  } finally {
    await core.call('builder:remove', { name: BUILDER }).catch((e: unknown) => console.error(`could not remove ${BUILDER}: ${String(e)}`));
    await core.close();
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
