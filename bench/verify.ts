/**
 * Benchmark: `registry:verify` of a 3-platform index vs `docker pull --platform P` of the same three platforms,
 * side by side, and the peak memory of the verify.
 * Run: PATH=/usr/bin:$PATH npx tsx bench/verify.ts [rounds] [--mb N]
 *
 * Sets up a throwaway registry process, pushes the busybox test image as the base, then writes one image for
 * linux/amd64, linux/arm64 and linux/arm/v7 whose extra layer is N MiB (default 30) of random bytes of its own per
 * platform (random, so gzip cannot shrink it: N MiB cross the wire per platform for both sides), straight into the
 * registry over its HTTP API so the engine holds none of it before a pull (see pushBenchImage). Each round
 * alternates which side goes first. The pull side removes what it pulled before the next round so every pull
 * downloads. Memory: this process's resident set sampled every 10 ms while verify runs (the highest sample, and
 * the rise over the resident set just before), plus the kernel's high-water mark of the process (VmHWM).
 * Everything it creates is labelled dev.multiarch-lab.test=bench-verify and removed at the end.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { RegistryClient } from '../core/registry/client.js';
import { verifyImage } from '../core/verify/verify.js';
import { createIndex, MediaTypes } from '../core/registry/manifest.js';
import { seedMultiArchImage, startRegistryProcess, type RegistryProcess } from '../test/helpers/registry-process.js';
import { indexEntries, removeImagesFrom, tarWithFile, uploadBlob } from '../test/helpers/run-images.js';
import { docker, execFileAsync, formatBytes, formatMs, median, printTable, ratio, timeMs, type Row } from './lib.js';

const ARGS = process.argv.slice(2);
const mbAt = ARGS.indexOf('--mb');
const MB = mbAt >= 0 ? Math.max(1, Number(ARGS[mbAt + 1] ?? 30)) : 30;
const ROUNDS = Math.max(1, Number(ARGS.find((a, i) => /^\d+$/.test(a) && ARGS[i - 1] !== '--mb') ?? 3));
const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
const LABEL_KEY = 'dev.multiarch-lab.test';
const LABEL_VALUE = 'bench-verify';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const sha256 = (bytes: Uint8Array | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/**
 * The bench image, written straight into the registry over its HTTP API: for each platform, bench/base's layers plus
 * one layer holding /data/payload.bin, MB MiB of random bytes of its own (random, so gzip cannot shrink it), and a
 * config labelled dev.multiarch-lab.test=bench-verify. Nothing of it passes through dockerd: an image built with
 * `docker buildx build` on this engine left its layers in the engine's content store, and every "docker pull" below
 * then printed "Already exists" for the payload and downloaded only manifests, while verify read every byte.
 */
async function pushBenchImage(registry: RegistryProcess, mb: number): Promise<void> {
  const client = new RegistryClient({ registry: registry.address });
  const bases = await indexEntries(registry, 'bench/base', '1');
  const entries: Array<Descriptor & { platform: string }> = [];
  let format: 'oci' | 'docker' = 'oci';
  for (const platform of PLATFORMS) {
    const base = bases.get(platform);
    if (!base) throw new Error(`bench/base:1 has no ${platform} image`);
    const fetched = await client.getManifest('bench/base', base.digest);
    const manifest = fetched.json as { config: Descriptor; layers: Descriptor[] } & Record<string, unknown>;
    const config = (await client.getBlobJson('bench/base', manifest.config.digest)).json as {
      config?: { Labels?: Record<string, string> } & Record<string, unknown>;
      rootfs: { diff_ids: string[] };
      history?: unknown[];
    } & Record<string, unknown>;
    for (const d of manifest.layers.map((l) => l.digest)) {
      const res = await fetch(`${registry.url}/v2/bench/verify/blobs/uploads/?mount=${d}&from=bench/base`, { method: 'POST' });
      if (res.status !== 201) throw new Error(`mounting ${d} from bench/base answered ${res.status}`);
    }
    const tar = tarWithFile('data/payload.bin', randomBytes(mb * 1024 * 1024), 0o644);
    const layer = await uploadBlob(registry, 'bench/verify', gzipSync(tar, { level: 1 }));
    const configBlob = await uploadBlob(
      registry,
      'bench/verify',
      Buffer.from(
        JSON.stringify({
          ...config,
          config: { ...config.config, Cmd: ['/bin/sh', '-c', 'ls -l /data'], Labels: { ...config.config?.Labels, [LABEL_KEY]: LABEL_VALUE } },
          rootfs: { ...config.rootfs, diff_ids: [...config.rootfs.diff_ids, sha256(tar)] },
          history: [...(config.history ?? []), { created_by: `bench/verify: ${mb} MiB of random bytes in /data/payload.bin` }],
        }),
      ),
    );
    const text = JSON.stringify({
      ...manifest,
      config: { ...manifest.config, digest: configBlob.digest, size: configBlob.size },
      layers: [...manifest.layers, { mediaType: manifest.layers.at(-1)!.mediaType, digest: layer.digest, size: layer.size }],
    });
    const { digest } = await client.putManifest('bench/verify', sha256(text), fetched.mediaType, text);
    if (fetched.mediaType === MediaTypes.dockerManifest) format = 'docker';
    entries.push({ mediaType: fetched.mediaType, digest, size: Buffer.byteLength(text), platform });
  }
  const index = createIndex(entries, { format });
  await client.putManifest('bench/verify', '1', index.mediaType, index.text);
}

async function vmHwmBytes(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : Number.NaN;
}

/** `--child REF`: one verify in a fresh process that does nothing else, so its high-water mark is the verify's. */
/** CPU time (ms) this process's main thread has used: /proc/self/task/PID/stat, utime + stime, in 1/100 s ticks. */
async function mainThreadCpuMs(): Promise<number> {
  const stat = await readFile(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

async function child(ref: string, registry: string): Promise<void> {
  const base = process.memoryUsage.rss();
  let majorGcs = 0;
  const gcs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++;
  });
  gcs.observe({ entryTypes: ['gc'] });
  const cpu0 = process.cpuUsage();
  const main0 = await mainThreadCpuMs();
  const ms = await timeMs(() => verifyImage(new RegistryClient({ registry }), ref, { hostCheck: false }));
  const cpu = process.cpuUsage(cpu0);
  const mainCpu = (await mainThreadCpuMs()) - main0;
  await new Promise((resolve) => setTimeout(resolve, 20)); // gc entries arrive asynchronously
  gcs.disconnect();
  process.stdout.write(`${JSON.stringify({ ms, base, hwm: await vmHwmBytes(), cpu: (cpu.user + cpu.system) / 1000, mainCpu, majorGcs })}\n`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const registry = await startRegistryProcess();
  try {
    process.stdout.write(`setting up: base image, then 3 platforms with ${MB} MiB of their own each… `);
    await seedMultiArchImage(registry, 'bench/base', '1');
    const ref = `${registry.localhostAddress}/bench/verify:1`;
    await pushBenchImage(registry, MB);
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const client = () => new RegistryClient({ registry: registry.localhostAddress });
    const check = await verifyImage(client(), ref, { hostCheck: false });
    const again = check.read.reread ? `, and ${check.read.reread.layers} of them a second time (${formatBytes(check.read.reread.compressedBytes)}) for the compare` : '';
    console.log(`${ref}: ${check.platforms.map((p) => `${p.platform} ${p.verdict}`).join(', ')}; ${check.read.layers} layers, ${formatBytes(check.read.compressedBytes)} read${again}\n`);

    const pullAll = async () => {
      for (const p of PLATFORMS) await docker(['pull', '--quiet', '--platform', p, ref]);
    };
    const cleanPulled = () => removeImagesFrom(registry.localhostAddress);
    await cleanPulled();

    const verifyMs: number[] = [];
    const pullMs: number[] = [];
    let peakRss = 0;
    let peakRise = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const sides = [
        async () => {
          if (global.gc) global.gc();
          const before = process.memoryUsage.rss();
          let max = before;
          const timer = setInterval(() => {
            max = Math.max(max, process.memoryUsage.rss());
          }, 10);
          verifyMs.push(await timeMs(() => verifyImage(client(), ref, { hostCheck: false })));
          clearInterval(timer);
          max = Math.max(max, process.memoryUsage.rss());
          peakRss = Math.max(peakRss, max);
          peakRise = Math.max(peakRise, max - before);
        },
        async () => {
          pullMs.push(await timeMs(pullAll));
          await cleanPulled();
        },
      ];
      if (round % 2) sides.reverse();
      for (const side of sides) await side();
    }

    // the peak of a process that only verifies. Compiled JS (npx tsc -b) runs on plain node; without it the child
    // runs through tsx, whose loader thread adds its own heap to the figure, and the table says so
    const compiled = path.join(ROOT, 'dist', 'core', 'verify', 'verify.js');
    const plain = existsSync(compiled);
    const childScript = [
      `import { verifyImage } from ${JSON.stringify(pathToFileURL(compiled).href)};`,
      `import { RegistryClient } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist', 'core', 'registry', 'client.js')).href)};`,
      'import { readFileSync } from "node:fs";',
      'import { PerformanceObserver, constants } from "node:perf_hooks";',
      'const mainThreadCpuMs = () => { const s = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8"); const f = s.slice(s.lastIndexOf(")") + 2).split(" "); return (Number(f[11]) + Number(f[12])) * 10; };',
      'let majorGcs = 0;',
      'const gcs = new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++; });',
      'gcs.observe({ entryTypes: ["gc"] });',
      'const base = process.memoryUsage.rss(); const cpu0 = process.cpuUsage(); const main0 = mainThreadCpuMs(); const t0 = performance.now();',
      `await verifyImage(new RegistryClient({ registry: ${JSON.stringify(registry.localhostAddress)} }), ${JSON.stringify(ref)}, { hostCheck: false });`,
      'const ms = performance.now() - t0; const c = process.cpuUsage(cpu0); const mainCpu = mainThreadCpuMs() - main0;',
      'await new Promise((r) => setTimeout(r, 20)); gcs.disconnect();',
      'const hwm = Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))[1]) * 1024;',
      'console.log(JSON.stringify({ ms, base, hwm, cpu: (c.user + c.system) / 1000, mainCpu, majorGcs }));',
    ].join('\n');
    const childRuns: Array<{ ms: number; base: number; hwm: number; cpu: number; mainCpu: number; majorGcs: number }> = [];
    for (let i = 0; i < ROUNDS; i++) {
      const { stdout } = plain
        ? await execFileAsync(process.execPath, ['--input-type=module', '-e', childScript], { maxBuffer: 1024 * 1024 })
        : await execFileAsync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', ref, registry.localhostAddress], { maxBuffer: 1024 * 1024 });
      childRuns.push(JSON.parse(stdout.trim().split('\n').pop()!) as (typeof childRuns)[number]);
    }
    const childPeak = Math.max(...childRuns.map((r) => r.hwm));
    const v = median(verifyMs);
    const p = median(pullMs);
    const rows: Row[] = [
      {
        flow: `verify, 3 platforms × ${MB} MiB`,
        app: formatMs(v),
        cli: formatMs(p),
        ratio: ratio(v, p),
        how: `registry:verify (every layer streamed once, entrypoint and programs checked) vs docker pull --platform P for the 3 platforms one after another; median of ${ROUNDS}`,
      },
      {
        flow: 'verify peak memory',
        app: formatBytes(childPeak),
        cli: '',
        ratio: '',
        how: `high-water mark (VmHWM) of a process that only runs the verify (${ROUNDS} runs, each ${childRuns.map((r) => formatMs(r.ms)).join(', ')}), of which ${plain ? 'node with the compiled core' : 'node + tsx (no dist/: run npx tsc -b for the plain-node figure)'} at start ${formatBytes(Math.max(...childRuns.map((r) => r.base)))}; in the bench process the resident set rose by at most ${formatBytes(peakRise)} during a verify (peak sample ${formatBytes(peakRss)})`,
      },
    ];
    // where a verify's CPU goes: its main thread (HTTP, sha256 of the compressed bytes, tar reading, GC pauses) and the
    // other threads (zlib inflate on the libuv pool, V8's concurrent GC); the pull's CPU is dockerd's and containerd's,
    // which share the machine with other users, so it is not shown
    const cpuTotal = median(childRuns.map((r) => r.cpu));
    const cpuMain = median(childRuns.map((r) => r.mainCpu));
    rows.push({
      flow: 'verify CPU time',
      app: formatMs(cpuTotal),
      cli: '',
      ratio: '',
      how: `user + system time of the process that only runs the verify, median of ${ROUNDS}: ${formatMs(cpuMain)} on its main thread (HTTP, sha256 of the compressed bytes, tar reading, GC pauses), ${formatMs(cpuTotal - cpuMain)} on other threads (zlib inflate on the libuv pool, V8's concurrent GC); ${median(childRuns.map((r) => r.majorGcs))} major GCs per verify`,
    });
    const md = printTable('verify vs docker pull', ['flow', 'the app', 'docker CLI', 'ratio', 'how'], rows);
    console.log(`\nverify runs: ${verifyMs.map(formatMs).join(', ')}; pull runs: ${pullMs.map(formatMs).join(', ')}`);
    // the machine is often shared: the load says how much the figures above competed for the CPUs
    console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
    console.log(`\n${md}`);
    console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await removeImagesFrom(registry.localhostAddress).catch(() => undefined);
    await registry.stop();
  }
}

const childAt = ARGS.indexOf('--child');
(childAt >= 0 ? child(ARGS[childAt + 1]!, ARGS[childAt + 2]!) : main()).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
