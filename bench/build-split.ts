/**
 * Benchmark, side by side in one run, of the registry cache on a builder with two nodes (issue 13): a second dockerd
 * in its own network namespace (test/helpers/second-engine.ts) appended to a host-networked builder for linux/arm64,
 * the first node pinned to linux/amd64, a registry process on the host's end of the veth (both nodes reach it).
 * The Dockerfile runs a CPU-bound shell loop in the target stage: native on the amd64 node, under QEMU on the arm64
 * node (both engines share this x86_64 CPU).
 *  1. The first build (--no-cache, cache written): the app's split build (`build:run` with a cache ref: one
 *     `docker buildx build` per node at once, pushed by digest, joined through the registry API) against the same
 *     by hand with the docker CLI (the two `docker buildx build … push-by-digest=true … --metadata-file` at once,
 *     then `docker buildx imagetools create --builder B -t TAG REPO@D1 REPO@D2`). The ratio is the app's overhead.
 *  2. The next build after both nodes' own BuildKit cache is emptied (`docker buildx prune --all`), so only the
 *     registry can make it cached: the app's split build against one `docker buildx build` for both platforms with
 *     one shared cache ref (what buildx does when not split: every node exports to the same ref, the last wins).
 *     Each side's second build follows its own first build.
 * Rounds alternate which side goes first; medians. Beside the wall clock, the app's own CPU (process.cpuUsage).
 * Run as root: PATH=/usr/bin:$PATH npx tsx bench/build-split.ts [rounds]. Everything is named mal-bench-split-… /
 * mal-t13-…, labelled dev.multiarch-lab.test=bench-split, and removed at the end; the first engine's docker0 route
 * is checked after.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BuildResult } from '../core/contract/build.js';
import { createCore } from '../core/index.js';
import { startRegistryProcess } from '../test/helpers/registry-process.js';
import { docker0Route, startSecondEngine } from '../test/helpers/second-engine.js';
import { docker, formatMs, median, PATH_WITH_USR_BIN, printTable, ratio, timeMs } from './lib.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const TWO = ['linux/amd64', 'linux/arm64'];
const LABEL = 'dev.multiarch-lab.test=bench-split';
const suffix = randomBytes(3).toString('hex');
const BUILDER = `mal-bench-split-${suffix}`;
const ARM_NODE = `${BUILDER}-arm`;
const BUSYBOX_STATE = '/var/lib/multiarch-lab-test/busybox';
const LOOP = 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; echo "$i on $(uname -m)" > /out';

async function main() {
  if (!(await docker0Route())) throw new Error('the first engine has no docker0 route: not starting a second engine');
  const engine = await startSecondEngine();
  const registry = await startRegistryProcess({ bindAddress: engine.hostAddress });
  const work = await mkdtemp(path.join(os.tmpdir(), 'mal-bench-split-'));
  const core = createCore({ mode: 'cli', dataDir: path.join(work, 'data'), env: { ...process.env, PATH: PATH_WITH_USR_BIN } });
  try {
    const project = path.join(work, 'project');
    await mkdir(project, { recursive: true });
    for (const arch of ['amd64', 'arm64']) await cp(path.join(BUSYBOX_STATE, arch, 'rootfs'), path.join(project, `rootfs-${arch}`), { recursive: true, verbatimSymlinks: true });
    await writeFile(path.join(project, 'Dockerfile'), `FROM scratch\nARG TARGETARCH\nCOPY rootfs-\${TARGETARCH}/ /\nRUN ${LOOP}\n`);
    await core.call('builder:create', { name: BUILDER, use: false, bootstrap: false, platforms: ['linux/amd64'], insecureRegistries: [registry.address] });
    await core.call('builder:append-node', { name: BUILDER, endpoint: engine.context, nodeName: ARM_NODE, platforms: ['linux/arm64'], driverOpts: { network: 'host' }, insecureRegistries: [registry.address] });
    await docker(['buildx', 'inspect', '--bootstrap', BUILDER]);
    const repo = `${registry.address}/bench/split`;
    const prune = () => docker(['buildx', 'prune', '--builder', BUILDER, '--all', '--force']);
    const insecure = ',registry.insecure=true';

    const app = (tag: string, cacheRef: string, noCache: boolean) =>
      core.call('build:run', { context: project, platforms: TWO, tag: `${repo}:${tag}`, mode: 'modern', builder: BUILDER, insecure: true, cacheRef, labels: { 'dev.multiarch-lab.test': 'bench-split' }, ...(noCache ? { noCache: true } : {}) });
    /** By hand: the two per-node builds at once, each pushed by digest with its own ref, then imagetools create. */
    const cliSplit = async (tag: string, cacheRef: string) => {
      const digests = await Promise.all(
        TWO.map(async (platform, i) => {
          const arch = platform.split('/')[1]!;
          const meta = path.join(work, `meta-${tag}-${i}.json`);
          await docker(['buildx', 'build', '--builder', BUILDER, '--platform', platform, '--no-cache', '--provenance=false', '--label', LABEL,
            '--output', `type=image,name=${repo},push-by-digest=true,name-canonical=true,push=true${insecure}`, '--metadata-file', meta,
            '--cache-from', `type=registry,ref=${cacheRef}-${arch}${insecure}`, '--cache-to', `type=registry,ref=${cacheRef}-${arch},mode=max${insecure}`, project]);
          return (JSON.parse(await readFile(meta, 'utf8')) as Record<string, string>)['containerimage.digest']!;
        }),
      );
      await docker(['buildx', 'imagetools', 'create', '--builder', BUILDER, '-t', `${repo}:${tag}`, ...digests.map((d) => `${repo}@${d}`)]);
    };
    /** One buildx build for both platforms with one shared cache ref: what buildx does without the split. */
    const cliShared = (tag: string, cacheRef: string, noCache: boolean) =>
      docker(['buildx', 'build', '--builder', BUILDER, '--platform', TWO.join(','), '--provenance=false', '--progress=plain', '--label', LABEL, ...(noCache ? ['--no-cache'] : []),
        '--tag', `${repo}:${tag}`, '--output', `type=registry${insecure}`,
        '--cache-from', `type=registry,ref=${cacheRef}${insecure}`, '--cache-to', `type=registry,ref=${cacheRef},mode=max${insecure}`, project]);

    // warm-up: start both nodes, load the CLI and the app's modules
    await app('warm', `${repo}:warmcache`, true);
    await cliSplit('warm-cli', `${repo}:warmcache-cli`);

    const firstApp: number[] = [];
    const firstCli: number[] = [];
    const firstAppCpu: number[] = [];
    const beforeMs: number[] = [];
    const buildsMs: number[] = [];
    const afterMs: number[] = [];
    const secondApp: number[] = [];
    const secondShared: number[] = [];
    let appCached = '';
    const sharedCached: string[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const appFirst = async () => {
        await prune();
        const cpu0 = process.cpuUsage();
        // where the app's time goes: until the first node's buildx build starts, the builds, and after the last
        const marks: { start: number; firstBuild?: number; lastBuilt?: number } = { start: performance.now() };
        const off = core.events.on('task:update', (t) => {
          const builds = t.steps.filter((st) => st.id.startsWith('build:'));
          if (marks.firstBuild === undefined && builds.some((st) => st.state !== 'pending')) marks.firstBuild = performance.now();
          if (marks.lastBuilt === undefined && builds.length && builds.every((st) => st.state === 'done')) marks.lastBuilt = performance.now();
        });
        try {
          firstApp.push(await timeMs(() => app(`app-${r}`, `${repo}:cache-app-${r}`, true)));
        } finally {
          off();
        }
        const cpu = process.cpuUsage(cpu0);
        firstAppCpu.push((cpu.user + cpu.system) / 1000);
        beforeMs.push(marks.firstBuild! - marks.start);
        buildsMs.push(marks.lastBuilt! - marks.firstBuild!);
        afterMs.push(marks.start + firstApp.at(-1)! - marks.lastBuilt!);
      };
      const cliFirst = async () => {
        await prune();
        firstCli.push(await timeMs(() => cliSplit(`cli-${r}`, `${repo}:cache-cli-${r}`)));
      };
      if (r % 2 === 0) {
        await appFirst();
        await cliFirst();
      } else {
        await cliFirst();
        await appFirst();
      }

      const appSecond = async () => {
        await prune();
        let result: BuildResult | undefined;
        secondApp.push(await timeMs(async () => (result = await app(`app-${r}`, `${repo}:cache-app-${r}`, false))));
        appCached = result!.timing.platforms.map((p) => `${p.platform} ${p.cachedSteps}/${p.totalSteps}`).join(', ');
      };
      const sharedSecond = async () => {
        await prune();
        await cliShared(`shared-${r}`, `${repo}:cache-shared-${r}`, true);
        await prune();
        let out = '';
        secondShared.push(await timeMs(async () => (out = (await cliShared(`shared-${r}`, `${repo}:cache-shared-${r}`, false)).stderr)));
        if (process.env.BENCH_SPLIT_DUMP) await writeFile(`${process.env.BENCH_SPLIT_DUMP}-${r}.txt`, out);
        // buildx's plain progress: which platforms' RUN came back CACHED
        // buildx's plain progress: each node builds one platform, so BuildKit names its RUN `[2/2] RUN` without
        // the platform; count those that came back CACHED
        const runs = [...out.matchAll(/^#(\d+) \[(?:\S+ )?2\/2\] RUN/gm)].map((m) => m[1]!);
        const cached = [...new Set(runs)].filter((id) => new RegExp(`^#${id} CACHED$`, 'm').test(out));
        sharedCached.push(`${cached.length} of ${new Set(runs).size} platforms`);
      };
      if (r % 2 === 0) {
        await appSecond();
        await sharedSecond();
      } else {
        await sharedSecond();
        await appSecond();
      }
      console.log(`round ${r + 1}: first app ${formatMs(firstApp.at(-1)!)} cli ${formatMs(firstCli.at(-1)!)}; second app ${formatMs(secondApp.at(-1)!)} shared ${formatMs(secondShared.at(-1)!)} (shared ref: RUN cached for ${sharedCached.at(-1)})`);
    }

    const rows = [
      {
        flow: 'first build, 2 nodes, cache on (--no-cache, written)',
        app: formatMs(median(firstApp)),
        cli: formatMs(median(firstCli)),
        ratio: ratio(median(firstApp), median(firstCli)),
        how: `\`build:run\` with a cache ref (split per node) vs the two \`docker buildx build … push-by-digest=true --metadata-file\` at once, then \`docker buildx imagetools create --builder B\`; the app's own CPU ${formatMs(median(firstAppCpu))}; its time: ${formatMs(median(beforeMs))} before the first buildx build, ${formatMs(median(buildsMs))} the builds, ${formatMs(median(afterMs))} after (join, read-back); median of ${ROUNDS}`,
      },
      {
        flow: 'next build, both nodes’ BuildKit cache emptied',
        app: formatMs(median(secondApp)),
        cli: formatMs(median(secondShared)),
        ratio: ratio(median(secondApp), median(secondShared)),
        how: `the app's split build (RUN cached: ${appCached}) vs one \`docker buildx build --platform linux/amd64,linux/arm64\` with one shared --cache-to/--cache-from ref (RUN cached for: ${[...new Set(sharedCached)].join('; ')}); median of ${ROUNDS}`,
      },
    ];
    console.log(printTable('Registry cache on a builder with two nodes (amd64 native, arm64 under QEMU on a second engine)', ['flow', 'app', 'docker CLI', 'ratio', 'how'], rows));
    console.log(`split-first ${Math.round(median(firstApp))} ${Math.round(median(firstCli))}`);
    console.log(`split-second ${Math.round(median(secondApp))} ${Math.round(median(secondShared))}`);
  } finally {
    await docker(['buildx', 'rm', BUILDER]).catch(() => undefined);
    await core.close();
    await registry.stop();
    const problems = await engine.stop();
    await rm(work, { recursive: true, force: true });
    if (problems.length) console.error(`tear-down: ${problems.join('; ')}`);
    const route = await docker0Route();
    if (!route) console.error('the first engine’s docker0 route is gone');
  }
}

await main();
