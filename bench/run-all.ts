/**
 * Every figure of issues 7, 12, 15 and 17 in one run, each flow of the app next to the same work typed as docker
 * commands, the reference always measured in the same run (the machine may be busy: read the ratios).
 * Run: npm run build && PATH=/usr/bin:$PATH npx tsx bench/run-all.ts [rounds] [--markdown] [--only=word,…]
 *
 *  - issue 15's goals first, one row each with the goal and whether it is met: the CLI as whole processes
 *    (bench/cli.ts: --help, builder ls, doctor --json), builder create, registry up, the run matrix in parallel,
 *    browser mode's cold start and the log panel;
 *  - verify of a 3-platform index vs docker pull of its platforms, and the verify's peak memory (bench/verify.ts);
 *  - registry up, builder create (no bootstrap), run matrix (sequential and parallel): the core, in process, vs
 *    the docker CLI, `rounds` times each (default 3), alternating which side goes first; medians;
 *  - modern and old-school builds, and inspect: bench/build.ts and bench/inspect.ts, run as they are, their
 *    figures picked from what they print;
 *  - issue 13: bench/builder-container.ts (the app's modern build through a docker-container builder against
 *    `docker buildx build` on it, goal 1.05x; the fast-way sample against the plain one for linux/arm64, emulated);
 *  - browser mode: cold start of `node dist/cli/index.js serve --port 0` to the Doctor showing the engine version in
 *    Chromium (median of 3), the renderer bundle gzipped, 100,000 log lines streamed into the real log panel (time
 *    to render, frame times while scrolling), 50 concurrent `registry:inspect` calls over the WebSocket.
 * Everything it creates is labelled dev.multiarch-lab.test=bench-all-<run id>, named mal-bench-…, and removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser } from '@playwright/test';
import react from '@vitejs/plugin-react';
import { build as viteBuild } from 'vite';
import WebSocket, { WebSocketServer } from 'ws';
import type { BuildLogLine } from '../core/contract/build.js';
import { createCore, type Core } from '../core/index.js';
import { contentTypeFor } from '../server/static-files.js';
import { EventBatcher, parseClientMessage, type ServerMessage } from '../server/protocol.js';
import { answerLogRange, LOG_RANGE_CHANNEL, ServerLogs } from '../server/log-store.js';
import type { Envelope } from '../core/contract/envelope.js';
import { serializeError } from '../core/contract/errors.js';
import type { EventEnvelope } from '../core/contract/events.js';
import { freePort, seedMultiArchImage, startRegistryProcess, type RegistryProcess } from '../test/helpers/registry-process.js';
import { removeImagesFrom } from '../test/helpers/run-images.js';
import { benchCliProcesses, pair } from './cli.js';
import { docker, execFileAsync, formatBytes, formatMs, median, PATH_WITH_USR_BIN, percentile, printGrid, printTable, ratio, spawnUntil, stopProcess, timeMs, type Row } from './lib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ARGS = process.argv.slice(2);
const ROUNDS = Math.max(1, Number(ARGS.find((a) => /^\d+$/.test(a)) ?? 5));
/** `--markdown` also prints the tables as Markdown, for the README. */
const MARKDOWN = ARGS.includes('--markdown');
/** `--only=a,b` runs only the sections whose names contain one of these words (for measuring one change). */
const ONLY = ARGS.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',').filter(Boolean);
/** MAL_BENCH_UNBATCHED=1: the log panel gets one frame per `build:log` event, as the server sent before batching. */
const UNBATCHED = process.env.MAL_BENCH_UNBATCHED === '1';
const RUN_ID = randomBytes(3).toString('hex');
/** One value per run: the cleanup at the end removes what carries it, so two runs at once never remove each other's containers. */
const LABEL_VALUE = `bench-all-${RUN_ID}`;
const LABEL = `dev.multiarch-lab.test=${LABEL_VALUE}`;
const PREFIX = `mal-bench-${RUN_ID}`;
const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
/** MAL_BENCH_CLI=path/to/cli/index.js: the CLI (and so the server and renderer beside it) of another build, e.g. main's, for a before/after. */
const CLI_ENTRY = process.env.MAL_BENCH_CLI ?? path.join(ROOT, 'dist', 'cli', 'index.js');
const RENDERER_DIR = path.join(ROOT, 'dist', 'renderer');
const SERVING = /Multiarch Lab is serving on (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]+))/;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

const appRows: Row[] = [];
/** Issue 15's table: what, the app, the reference, ratio (or value), goal, met. */
const goalRows: string[][] = [];
const browserRows: Row[] = [];
const problems: string[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

function log(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Runs one section; a failure is reported in the summary instead of ending the run. */
async function section(name: string, fn: () => Promise<void>): Promise<void> {
  if (ONLY && !ONLY.some((word) => name.includes(word))) return;
  const t0 = performance.now();
  process.stdout.write(`- ${name}… `);
  try {
    await fn();
    log(`done in ${formatMs(performance.now() - t0)}`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`FAILED: ${message.split('\n')[0]}`);
    problems.push(`${name}: ${message}`);
  }
}

/** One row of issue 15's table: a ratio against a reference measured in the same run, and its goal. */
function goalRatio(what: string, app: number, refName: string, ref: number, goal: number): void {
  const value = app / ref;
  goalRows.push([what, formatMs(app), `${refName} ${formatMs(ref)}`, ratio(app, ref), `≤ ${goal}x`, value <= goal ? 'met' : 'not met']);
}

/**
 * `rounds` samples of each side, alternating which goes first so neither always meets a warmer engine; before them
 * one uncounted round of each side (index `rounds`), as bench/cli.ts's `pair` does, so a first call's cold start
 * (modules loaded on first use, the disk cache) is not one of the samples.
 */
async function sideBySide(app: (i: number) => Promise<unknown>, cli: (i: number) => Promise<unknown>, after?: { app?: (i: number) => Promise<unknown>; cli?: (i: number) => Promise<unknown> }) {
  const a: number[] = [];
  const c: number[] = [];
  await app(ROUNDS);
  await after?.app?.(ROUNDS);
  await cli(ROUNDS);
  await after?.cli?.(ROUNDS);
  for (let i = 0; i < ROUNDS; i++) {
    const order = i % 2 === 0 ? (['app', 'cli'] as const) : (['cli', 'app'] as const);
    for (const side of order) {
      if (side === 'app') {
        a.push(await timeMs(() => app(i)));
        await after?.app?.(i);
      } else {
        c.push(await timeMs(() => cli(i)));
        await after?.cli?.(i);
      }
    }
  }
  return { app: median(a), cli: median(c) };
}

async function waitForRegistry(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the registry on port ${port} did not answer within ${timeoutMs} ms`);
}

async function benchRegistryUp(core: Core): Promise<void> {
  const made: string[] = [];
  cleanups.push(async () => {
    for (const name of made) {
      await docker(['rm', '-f', name]).catch(() => undefined);
      await docker(['volume', 'rm', '-f', `${name}-data`]).catch(() => undefined);
    }
  });
  const ports = new Map<string, number>();
  const nameOf = (side: string, i: number) => `${PREFIX}-reg-${side}${i}`;
  const result = await sideBySide(
    async (i) => {
      const name = nameOf('app', i);
      made.push(name);
      const port = await freePort();
      ports.set(name, port);
      const up = await core.call('registry:up', { name, port, volume: `${name}-data` });
      if (!up.healthy) throw new Error(`registry:up answered but ${name} is not healthy`);
    },
    async (i) => {
      const name = nameOf('cli', i);
      made.push(name);
      const port = await freePort();
      await docker(['run', '-d', '--name', name, '--label', LABEL, '--restart=always', '-p', `127.0.0.1:${port}:5000`, '-v', `${name}-data:/var/lib/registry`, 'registry:2']);
      // `docker run -d` returns once the container starts; the registry is up when /v2/ answers, which the app waits for too
      await waitForRegistry(port);
    },
    {
      app: async (i) => core.call('registry:down', { name: nameOf('app', i), removeVolume: true }),
      cli: async (i) => {
        await docker(['rm', '-f', nameOf('cli', i)]);
        await docker(['volume', 'rm', '-f', `${nameOf('cli', i)}-data`]);
      },
    },
  );
  goalRatio('`registry:up` (create, start, wait for /v2/)', result.app, '`docker run -d … registry:2` + poll /v2/', result.cli, 1.1);
  appRows.push({ flow: 'registry up', app: formatMs(result.app), cli: formatMs(result.cli), ratio: ratio(result.app, result.cli), how: '`registry:up` (create, start, wait for /v2/) vs `docker run -d … registry:2` + poll /v2/' });
}

async function benchBuilderCreate(core: Core): Promise<void> {
  const made: string[] = [];
  cleanups.push(async () => {
    for (const name of made) await docker(['buildx', 'rm', name]).catch(() => undefined);
  });
  const nameOf = (side: string, i: number) => `${PREFIX}-bld-${side}${i}`;
  const result = await sideBySide(
    async (i) => {
      made.push(nameOf('app', i));
      await core.call('builder:create', { name: nameOf('app', i), bootstrap: false, use: false });
    },
    async (i) => {
      made.push(nameOf('cli', i));
      await docker(['buildx', 'create', '--name', nameOf('cli', i), '--driver', 'docker-container', '--driver-opt', 'network=host']);
    },
    {
      app: (i) => docker(['buildx', 'rm', nameOf('app', i)]),
      cli: (i) => docker(['buildx', 'rm', nameOf('cli', i)]),
    },
  );
  goalRatio('`builder:create` (no bootstrap)', result.app, '`docker buildx create`', result.cli, 1.3);
  appRows.push({ flow: 'builder create (no bootstrap)', app: formatMs(result.app), cli: formatMs(result.cli), ratio: ratio(result.app, result.cli), how: '`builder:create` (one `docker buildx create`; the new builder and the current one read from buildx’s files, and one engine look for its BuildKit container, made while the create runs) vs `docker buildx create --driver docker-container --driver-opt network=host`' });
}

/** Runs another bench script as it is and returns what it printed. */
async function runScript(script: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(TSX, [path.join(ROOT, 'bench', script), ...args], {
    cwd: ROOT,
    env: { ...process.env, PATH: PATH_WITH_USR_BIN },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 600_000,
  }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    // bench/build.ts exits 1 when it misses its own targets; its figures are still good
    if (error.stdout && /median of/.test(error.stdout)) return { stdout: error.stdout };
    throw new Error(`${script} failed: ${error.stderr || error.message}`);
  });
  return stdout;
}

async function benchBuilds(): Promise<void> {
  const out = await runScript('build.ts', [String(ROUNDS)]);
  const how: Record<string, [string, string]> = {
    modern: [
      'modern build (3 platforms, --no-cache, push): overhead',
      '`build:run` modern runs the same `docker buildx build --platform … --push` as the CLI side (plus --progress=rawjson), so the ratio is the app’s overhead around that command (bench/build.ts)',
    ],
    'old-school': ['old-school build (3 platforms, --no-cache, push) vs steps in sequence', '`build:run` old-school (platforms in parallel) vs build+push per platform, then `docker manifest create/push`, one after another (bench/build.ts)'],
    'old-school-parallel': ['old-school build vs the same steps in parallel', 'the same `build:run` vs the CLI steps a script would run: each platform’s build+push in the background at once, then `docker manifest create/push` (bench/build.ts)'],
  };
  for (const [flow, [label, text]] of Object.entries(how)) {
    const m = new RegExp(`^${flow}\\s+([\\d.]+) s\\s+([\\d.]+) s\\s+([\\d.]+)x`, 'm').exec(out);
    if (!m) throw new Error(`bench/build.ts printed no ${flow} figures:\n${out}`);
    const app = Number(m[1]) * 1000;
    const cli = Number(m[2]) * 1000;
    appRows.push({ flow: label, app: formatMs(app), cli: formatMs(cli), ratio: ratio(app, cli), how: `${text}, median of ${ROUNDS}` });
  }
}

/** Issue 13: the app's modern build through a docker-container builder, and the fast way against the plain one. */
async function benchBuilderContainer(): Promise<void> {
  const out = await runScript('builder-container.ts', [String(ROUNDS)]);
  const line = (name: string) => {
    const m = new RegExp(`^${name} (\\d+) (\\d+)(.*)$`, 'm').exec(out);
    if (!m) throw new Error(`bench/builder-container.ts printed no ${name} line:\n${out}`);
    return { a: Number(m[1]), b: Number(m[2]), rest: (m[3] ?? '').trim() };
  };
  const modern = line('bctr-modern');
  const parts = Object.fromEntries(modern.rest.split(/\s+/).map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
  goalRows.push([
    'modern build through the docker-container builder vs `docker buildx build --builder B`',
    formatMs(modern.a),
    `docker buildx build ${formatMs(modern.b)}`,
    ratio(modern.a, modern.b),
    '≤ 1.05x',
    modern.a <= modern.b * 1.05 ? 'met' : 'not met',
  ]);
  appRows.push({
    flow: 'modern build, docker-container builder (3 platforms, --no-cache, push)',
    app: formatMs(modern.a),
    cli: formatMs(modern.b),
    ratio: ratio(modern.a, modern.b),
    how: `\`build:run --builder B\` vs \`docker buildx build --builder B … --output type=registry\`; the app's own share: ${formatMs(parts.before ?? 0)} before the buildx command, ${formatMs(parts.after ?? 0)} after it (bench/builder-container.ts), median of ${ROUNDS}`,
  });
  const samples = line('bctr-samples');
  appRows.push({ flow: 'linux/arm64 (emulated here): fast-way sample vs plain sample', app: formatMs(samples.a), cli: formatMs(samples.b), ratio: ratio(samples.a, samples.b), how: `both through \`build:run\` on the docker-container builder, --no-cache: \`init --sample fast\` over the plain sample, median of ${ROUNDS}` });
  const loop = line('bctr-loop');
  appRows.push({ flow: 'linux/arm64 with a CPU-bound step: $BUILDPLATFORM stage vs emulated', app: formatMs(loop.a), cli: formatMs(loop.b), ratio: ratio(loop.a, loop.b), how: `the same shell loop in a \`FROM --platform=$BUILDPLATFORM\` stage (native, copied in) over it in the target stage (QEMU), median of ${ROUNDS}` });
}

async function benchInspect(): Promise<void> {
  const out = await runScript('inspect.ts', [String(ROUNDS)]);
  const pick = (label: RegExp) => {
    const line = out.split('\n').find((l) => label.test(l));
    const m = line ? /([\d.]+) ms\s+[\d.]+x\s*$/.exec(line) : null;
    if (!m) throw new Error(`bench/inspect.ts printed no row for ${label}:\n${out}`);
    return Number(m[1]);
  };
  const app = pick(/^core inspectImage \(index \+ 8 manifests \+ 8 configs\)/);
  const full = pick(/^imagetools inspect --format/);
  const raw = pick(/^imagetools inspect --raw\s{2}/);
  appRows.push({ flow: 'inspect (8-platform index, full tree), in process', app: formatMs(app), cli: formatMs(full), ratio: ratio(app, full), how: "the core's inspect called in process (17 requests) vs the whole process `docker buildx imagetools inspect --format '{{json .}}'` (bench/inspect.ts); see the next rows for whole processes on both sides" });
  appRows.push({ flow: 'inspect, index only on the CLI side', app: formatMs(app), cli: formatMs(raw), ratio: ratio(app, raw), how: 'the same full tree vs `imagetools inspect --raw` (the index alone)' });
}

/**
 * Issue 12's rows from bench/verify.ts (run as its own process, so its memory figures are its own): verify of a
 * 3-platform index vs `docker pull --platform P` of the three, and the verify's peak memory. The rows are taken from
 * the Markdown table it prints, so both scripts say the same.
 */
async function benchVerify(): Promise<void> {
  const out = await runScript('verify.ts', [String(ROUNDS)]);
  const rows = out
    .split('\n')
    .filter((line) => /^\| verify/.test(line))
    .map((line) => line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|')));
  const time = rows.find((r) => r[0]?.startsWith('verify, '));
  const memory = rows.find((r) => r[0] === 'verify peak memory');
  if (!time || !memory) throw new Error(`bench/verify.ts printed no verify rows:\n${out}`);
  for (const [flow, app, cli, ratioText, how] of [time, memory]) appRows.push({ flow: flow!, app: app!, cli: cli!, ratio: ratioText!, how: `${how!} (bench/verify.ts)` });
}

/** The app's CLI as a whole process against imagetools, both asking a registry for the same 3-platform image. */
async function benchInspectProcesses(reference: string): Promise<void> {
  const env = { ...process.env, PATH: PATH_WITH_USR_BIN };
  const appCli = () => execFileAsync(process.execPath, [CLI_ENTRY, 'inspect', '--json', reference], { env, maxBuffer: 16 * 1024 * 1024 });
  const imagetools = () => docker(['buildx', 'imagetools', 'inspect', '--format', '{{json .}}', reference]);
  const r = await pair(ROUNDS, appCli, imagetools);
  appRows.push({ flow: 'inspect (3-platform index, full tree), whole processes', app: formatMs(r.app), cli: formatMs(r.ref), ratio: ratio(r.app, r.ref), how: `\`multiarch-lab inspect --json REF\` (Node start, index, manifests, configs) vs \`docker buildx imagetools inspect --format '{{json .}}' REF\`, median of ${ROUNDS}` });
}

async function benchRunMatrix(core: Core, reference: string): Promise<void> {
  const cliRun = (platform: string) => docker(['run', '--rm', '--label', LABEL, '--platform', platform, reference, 'uname', '-m']);
  // warm-up (not counted): every variant pulled once by each side
  await core.call('runs:start', { reference, command: ['uname', '-m'], concurrency: 3 });
  for (const p of PLATFORMS) await cliRun(p);

  const check = (m: { summary: { passed: number } }) => {
    if (m.summary.passed !== PLATFORMS.length) throw new Error(`the run matrix passed ${m.summary.passed} of ${PLATFORMS.length}`);
  };
  const sequential = await sideBySide(
    async () => check(await core.call('runs:start', { reference, command: ['uname', '-m'], concurrency: 1 })),
    async () => {
      for (const p of PLATFORMS) await cliRun(p);
    },
  );
  const parallel = await sideBySide(
    async () => check(await core.call('runs:start', { reference, command: ['uname', '-m'], concurrency: 3 })),
    async () => Promise.all(PLATFORMS.map(cliRun)),
  );
  goalRatio('run matrix in parallel (3 platforms)', parallel.app, 'the 3 `docker run --rm --platform` at once', parallel.cli, 1.05);
  appRows.push({ flow: 'run matrix, one after another', app: formatMs(sequential.app), cli: formatMs(sequential.cli), ratio: ratio(sequential.app, sequential.cli), how: '`runs:start` concurrency 1 (also reads the index, checks emulators, judges, saves) vs 3× `docker run --rm --platform P … uname -m`' });
  appRows.push({ flow: 'run matrix, in parallel', app: formatMs(parallel.app), cli: formatMs(parallel.cli), ratio: ratio(parallel.app, parallel.cli), how: '`runs:start` concurrency 3 vs the three `docker run --rm --platform` at once' });
}

interface Serve {
  port: number;
  token: string;
  url: string;
  stop(): Promise<void>;
}

async function startServe(): Promise<Serve> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-bench-serve-'));
  const env = { ...process.env, PATH: PATH_WITH_USR_BIN, MULTIARCH_LAB_DATA_DIR: dataDir, BROWSER: 'none', NO_COLOR: '1' };
  const { child, match } = await spawnUntil(process.execPath, [CLI_ENTRY, 'serve', '--port', '0'], SERVING, { env, cwd: ROOT, timeoutMs: 30_000 });
  return {
    url: match[1]!,
    port: Number(match[2]),
    token: match[3]!,
    stop: async () => {
      await stopProcess(child);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function benchColdStart(browser: Browser): Promise<void> {
  const totals: number[] = [];
  const ready: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const t0 = performance.now();
    const serve = await startServe();
    try {
      ready.push(performance.now() - t0);
      await page.goto(serve.url);
      await page.locator('[data-testid=engine-version]').waitFor({ state: 'visible', timeout: 60_000 });
      totals.push(performance.now() - t0);
    } finally {
      await context.close();
      await serve.stop();
    }
  }
  const total = median(totals);
  goalRows.push(['browser mode: spawn `serve` → Doctor rendered in Chromium', formatMs(total), `(server ready after ${formatMs(median(ready))})`, '', '≤ 1.0 s', total <= 1000 ? 'met' : 'not met']);
  // nothing on the CLI side opens a page: no ratio here; the Doctor's own CLI figure is in issue 15's table
  browserRows.push({ flow: 'cold start to first Doctor render', app: formatMs(total), cli: '', ratio: '', how: `spawn \`serve --port 0\` until [data-testid=engine-version] is visible in Chromium (server ready after ${formatMs(median(ready))}; the browser was already open), median of ${totals.length}` });
}

async function benchBundle(): Promise<void> {
  const assets = path.join(RENDERER_DIR, 'assets');
  let raw = 0;
  let gz = 0;
  let js = 0;
  let css = 0;
  const files = [path.join(RENDERER_DIR, 'index.html'), ...(await readdir(assets)).filter((f) => !f.endsWith('.map')).map((f) => path.join(assets, f))];
  for (const file of files) {
    const bytes = await readFile(file);
    const zipped = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gz += zipped;
    if (file.endsWith('.js')) js += zipped;
    if (file.endsWith('.css')) css += zipped;
  }
  browserRows.push({ flow: 'renderer bundle, gzip -9', app: formatBytes(gz), cli: '', ratio: '', how: `${files.length} files, ${formatBytes(raw)} before gzip (JS ${formatBytes(js)}, CSS ${formatBytes(css)} gzipped), source maps left out` });
}

const LOG_PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];

/** Lines like a verbose build prints: a platform, a step, some with ANSI colours, of varied length. */
function makeLogLines(count: number): BuildLogLine[] {
  const lines: BuildLogLine[] = [];
  for (let i = 0; i < count; i++) {
    const platform = LOG_PLATFORMS[i % LOG_PLATFORMS.length]!;
    const coloured = i % 7 === 0 ? `\u001b[32m#${i} DONE\u001b[0m ` : i % 11 === 0 ? `\u001b[1;31mwarning\u001b[0m ` : '';
    lines.push({ platform, step: `RUN make -j2 step-${i % 40}`, stream: i % 5 === 0 ? 2 : 1, text: `${coloured}compiling src/module-${i % 997}.c -> obj/module-${i % 997}.o ${'.'.repeat(i % 60)}` });
  }
  return lines;
}

/**
 * The built bench page (no token: it only ever serves that folder, on loopback), plus the two things the page
 * needs from a server: a WebSocket at /ws speaking the app's protocol, and GET /stream?total&batch&task, which
 * sends that many lines as `build:log` events, framed as the server frames them during a build (what one tick
 * emitted in one message, server/protocol.ts), and answers once they are all handed to the socket.
 */
function serveFolder(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<WebSocket>();
  // the server's side of browser-mode logs, as server/server.ts runs it: the log kept here, each connection sent
  // its state and newest lines (EventBatcher), rows fetched by `log:range`
  const logs = new ServerLogs();
  const batchers = new Map<WebSocket, EventBatcher>();
  let prepared: { key: string; events: EventEnvelope[] } | undefined;
  const eventsOf = (total: number, batch: number, taskId: string): EventEnvelope[] => {
    const lines = makeLogLines(total);
    const events: EventEnvelope[] = [];
    for (let i = 0; i < lines.length; i += batch) events.push({ event: 'build:log', payload: { taskId, lines: lines.slice(i, i + batch) } });
    return events;
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/connected') {
      res.writeHead([...sockets].some((s) => s.readyState === WebSocket.OPEN) ? 200 : 409).end();
      return;
    }
    if (url.pathname === '/prepare') {
      const total = Number(url.searchParams.get('total'));
      const batch = Number(url.searchParams.get('batch'));
      const taskId = url.searchParams.get('task') ?? 'bench';
      prepared = { key: `${total}/${batch}/${taskId}`, events: eventsOf(total, batch, taskId) };
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === '/stream') {
      const total = Number(url.searchParams.get('total'));
      const batch = Number(url.searchParams.get('batch'));
      const taskId = url.searchParams.get('task') ?? 'bench';
      const open = [...sockets].filter((s) => s.readyState === WebSocket.OPEN);
      if (!open.length || !(total > 0) || !(batch > 0)) {
        res.writeHead(409).end();
        return;
      }
      // the lines are made before the clock starts; the server's work (keeping them, sending each connection
      // its update) is on the clock, all 200 events in one go as if the build printed them in one tick
      const events = prepared?.key === `${total}/${batch}/${taskId}` ? prepared.events : eventsOf(total, batch, taskId);
      prepared = undefined;
      for (const e of events) {
        logs.note(e.event, e.payload);
        for (const socket of open) {
          batchers.get(socket)?.push(e);
          // MAL_BENCH_UNBATCHED=1: one frame per event
          if (UNBATCHED) batchers.get(socket)?.flush();
        }
      }
      res.writeHead(204).end();
      return;
    }
    const pathname = decodeURIComponent(url.pathname);
    const file = path.join(dir, pathname === '/' ? 'index.html' : pathname);
    if (!file.startsWith(dir + path.sep)) {
      res.writeHead(400).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'Content-Type': contentTypeFor(file) }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  wss.on('connection', (socket) => {
    sockets.add(socket);
    const batcher = new EventBatcher((text) => socket.send(text), logs);
    batchers.set(socket, batcher);
    socket.on('message', (data) => {
      const parsed = parseClientMessage(String(data));
      if (!parsed.ok || parsed.message.type !== 'invoke' || parsed.message.channel !== LOG_RANGE_CHANNEL) return;
      const { id, input } = parsed.message;
      let envelope: Envelope;
      try {
        envelope = { ok: true, result: answerLogRange(logs, input) };
      } catch (error) {
        envelope = { ok: false, error: serializeError(error) };
      }
      batcher.flush();
      socket.send(JSON.stringify({ type: 'result', id, envelope } satisfies ServerMessage));
    });
    socket.on('close', () => {
      sockets.delete(socket);
      batcher.close();
      batchers.delete(socket);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}/`,
        close: () =>
          new Promise<void>((r) => {
            for (const socket of sockets) socket.terminate();
            wss.close();
            server.close(() => r());
          }),
      });
    }),
  );
}

interface FrameStats {
  frames: number;
  p50: number;
  p95: number;
  max: number;
  over50ms: number;
}

async function benchLogPanel(browser: Browser): Promise<void> {
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'mal-bench-logpanel-'));
  cleanups.push(() => rm(outDir, { recursive: true, force: true }));
  await viteBuild({ configFile: false, root: path.join(ROOT, 'bench', 'log-panel'), base: './', plugins: [react()], logLevel: 'warn', build: { outDir, emptyOutDir: true, target: 'es2022' } });
  const site = await serveFolder(outDir);
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  try {
    const page = await context.newPage();
    await page.goto(site.url);
    await page.locator('[data-testid=bench-log]').waitFor();
    // the app's client connects by itself; streaming starts once it has
    await page.waitForFunction(async () => (await fetch('/connected')).status === 200, undefined, { timeout: 10_000, polling: 100 });
    const streams: Array<{ ms: number; sentMs: number; inStoreMs: number; frames: FrameStats; rendered: string }> = [];
    let scroll: { jump: FrameStats; wheel: FrameStats; rowsInPage: number } | undefined;
    // the page's main-thread CPU time (Chromium's ThreadTime): what the stream costs the page whatever else the
    // machine is doing, unlike the wall-clock figures on a busy machine
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const threadTime = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime')?.value ?? Number.NaN) * 1000;
    const cpu: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.evaluate(() => window.bench.reset());
      const cpu0 = await threadTime();
      // MAL_BENCH_PROFILE=file.cpuprofile: a CPU profile of the page during the first stream, to see where it goes
      const profile = i === 0 && process.env.MAL_BENCH_PROFILE;
      if (profile) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.start');
      }
      streams.push(await page.evaluate(() => window.bench.stream(100_000, 500)));
      cpu.push((await threadTime()) - cpu0);
      if (profile) await writeFile(profile, JSON.stringify((await cdp.send('Profiler.stop')).profile));
      if (i === 0) scroll = await page.evaluate(() => window.bench.scroll(120, 240));
    }
    const last = streams.at(-1)!;
    if (!/100,000 lines/.test(last.rendered)) throw new Error(`the panel says "${last.rendered}" after 100,000 lines`);
    const ms = median(streams.map((s) => s.ms));
    const during = streams[0]!.frames;
    goalRows.push(['100,000 log lines → newest painted', formatMs(ms), `frames meanwhile p95 ${formatMs(during.p95)}`, '', '≤ 250 ms, frames p95 ≤ 17 ms', ms <= 250 && during.p95 <= 17 ? 'met' : 'not met']);
    browserRows.push({ flow: '100,000 log lines into the log panel', app: formatMs(ms), cli: '', ratio: '', how: `200 \`build:log\` events of 500 lines kept by the server's log store (server/log-store.ts) and sent over a real WebSocket as the server sends them (${UNBATCHED ? 'one update per event' : "per tick, the log's line count and newest lines"}; the panel fetches other rows by range), through the app's WebSocket client and the store's build slice into the panel, from the page asking until the newest line is painted; median of 3 (the server had sent the last event after ${formatMs(median(streams.map((x) => x.sentMs)))}, the page knew of every line (the store's count) after ${formatMs(median(streams.map((x) => x.inStoreMs)))}; the page's main thread used ${formatMs(median(cpu))} of CPU). Frames meanwhile: p50 ${formatMs(during.p50)}, p95 ${formatMs(during.p95)}, max ${formatMs(during.max)}` });
    if (scroll) {
      browserRows.push({ flow: 'scrolling 100,000 lines: jumps', app: `p95 ${formatMs(scroll.jump.p95)}`, cli: '', ratio: '', how: `120 frames from top to bottom (≈15,000 rows a frame): frame time p50 ${formatMs(scroll.jump.p50)}, max ${formatMs(scroll.jump.max)}, ${scroll.jump.over50ms} over 50 ms` });
      browserRows.push({ flow: 'scrolling 100,000 lines: wheel', app: `p95 ${formatMs(scroll.wheel.p95)}`, cli: '', ratio: '', how: `240 frames of 80–120 px: frame time p50 ${formatMs(scroll.wheel.p50)}, max ${formatMs(scroll.wheel.max)}; ${scroll.rowsInPage} rows in the page at the end` });
    }
  } finally {
    await context.close();
    await site.close();
  }
}

async function benchWsInspect(reference: string): Promise<void> {
  const serve = await startServe();
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${serve.port}/ws?token=${serve.token}`, { headers: { Origin: `http://127.0.0.1:${serve.port}` } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const waiting = new Map<string, (ok: boolean) => void>();
    let refused: string | undefined;
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; id: string | null; envelope: { ok: boolean; error?: { message?: string } } };
      if (m.type !== 'result') return;
      if (m.id === null) {
        // the server could not read a message (it names no call): fail every waiting call instead of hanging
        refused = m.envelope.error?.message ?? 'a message was refused';
        for (const resolve of waiting.values()) resolve(false);
        return;
      }
      waiting.get(m.id)?.(m.envelope.ok);
    });
    let nextId = 0;
    const invoke = async (): Promise<number> => {
      // call ids are strings (core/contract/calls.ts)
      const id = `bench-${++nextId}`;
      const t0 = performance.now();
      const ok = await new Promise<boolean>((resolve) => {
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ type: 'invoke', id, channel: 'registry:inspect', input: { reference } }));
      });
      waiting.delete(id);
      if (!ok) throw new Error(`registry:inspect ${reference} failed over the WebSocket${refused ? `: ${refused}` : ''}`);
      return performance.now() - t0;
    };
    await invoke();
    const single: number[] = [];
    for (let i = 0; i < 5; i++) single.push(await invoke());
    const t0 = performance.now();
    const latencies = await Promise.all(Array.from({ length: 50 }, () => invoke()));
    const total = performance.now() - t0;
    ws.close();

    const cliRef = reference;
    const cliOne = () => docker(['buildx', 'imagetools', 'inspect', '--format', '{{json .}}', cliRef]);
    await cliOne();
    const c0 = performance.now();
    const cliLatencies = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const s = performance.now();
        await cliOne();
        return performance.now() - s;
      }),
    );
    const cliTotal = performance.now() - c0;
    // like for like (issue 17): the same 50 one after another, and 50 processes of the app's own CLI at once
    const s0 = performance.now();
    for (let i = 0; i < 50; i++) await cliOne();
    const sequentialTotal = performance.now() - s0;
    const appCliOne = () => execFileAsync(process.execPath, [CLI_ENTRY, 'inspect', '--json', cliRef], { env: { ...process.env, PATH: PATH_WITH_USR_BIN }, maxBuffer: 16 * 1024 * 1024 });
    await appCliOne();
    const a0 = performance.now();
    await Promise.all(Array.from({ length: 50 }, () => appCliOne()));
    const appCliTotal = performance.now() - a0;
    browserRows.push({ flow: '50 concurrent inspect calls: total', app: formatMs(total), cli: formatMs(cliTotal), ratio: ratio(total, cliTotal), how: `\`registry:inspect\` (3 platforms, full tree) over one WebSocket to \`serve\` vs 50 \`imagetools inspect --format '{{json .}}'\` at once; one call alone: ${formatMs(median(single))}` });
    browserRows.push({ flow: '50 inspects: app over one WebSocket vs CLI one after another', app: formatMs(total), cli: formatMs(sequentialTotal), ratio: ratio(total, sequentialTotal), how: "the same 50 concurrent `registry:inspect` calls vs 50 `imagetools inspect --format '{{json .}}'` run one after another" });
    browserRows.push({ flow: "50 inspects: the app's CLI vs imagetools, 50 processes at once each", app: formatMs(appCliTotal), cli: formatMs(cliTotal), ratio: ratio(appCliTotal, cliTotal), how: "50 `multiarch-lab inspect --json` processes at once (each starts Node and the core) vs the 50 `imagetools inspect` processes at once above" });
    browserRows.push({ flow: '50 concurrent inspect calls: p50 / p95', app: `${formatMs(percentile(latencies, 0.5))} / ${formatMs(percentile(latencies, 0.95))}`, cli: `${formatMs(percentile(cliLatencies, 0.5))} / ${formatMs(percentile(cliLatencies, 0.95))}`, ratio: ratio(percentile(latencies, 0.95), percentile(cliLatencies, 0.95)), how: 'latency of each call from send to answer (ratio of the p95s)' });
  } finally {
    await serve.stop();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  for (const [file, what] of [
    [CLI_ENTRY, 'the CLI'],
    [path.join(RENDERER_DIR, 'index.html'), 'the renderer'],
  ] as const) {
    if (!existsSync(file)) throw new Error(`${what} is not built (${path.relative(ROOT, file)} is missing): run "npm run build" first.`);
  }
  const cpus = os.cpus();
  log(`Multiarch Lab benchmarks: ${cpus.length} CPU(s) (${cpus[0]?.model.trim() ?? 'unknown'}), ${formatBytes(os.totalmem())} RAM, Node ${process.version}, ${ROUNDS} round(s)`);
  const engineVersion = (await docker(['version', '--format', '{{.Server.Version}}'])).stdout.trim();
  const buildxVersion = (await docker(['buildx', 'version'])).stdout.trim();
  log(`Docker Engine ${engineVersion}, ${buildxVersion}\n`);

  const work = await mkdtemp(path.join(os.tmpdir(), 'mal-bench-all-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: PATH_WITH_USR_BIN, MULTIARCH_LAB_RESOURCE_LABELS: LABEL };
  delete env.DOCKER_HOST;
  const core = createCore({ mode: 'cli', dataDir: path.join(work, 'data'), env });
  let registry: RegistryProcess | undefined;
  let browser: Browser | undefined;
  let chromiumVersion: string | undefined;
  try {
    registry = await startRegistryProcess();
    await seedMultiArchImage(registry, 'bench/busybox', '1');
    const reference = `${registry.localhostAddress}/bench/busybox:1`;

    await section('CLI processes (bench/cli.ts)', async () => {
      for (const r of await benchCliProcesses(ROUNDS)) goalRows.push([r.flow, r.app, r.cli, r.ratio, r.goal, r.met ? 'met' : 'not met']);
    });
    await section('registry up', () => benchRegistryUp(core));
    await section('builder create', () => benchBuilderCreate(core));
    await section('run matrix', () => benchRunMatrix(core, reference));
    await section('modern and old-school builds (bench/build.ts)', benchBuilds);
    await section('docker-container builder (bench/builder-container.ts)', benchBuilderContainer);
    await section('inspect (bench/inspect.ts)', benchInspect);
    await section('inspect as whole processes', () => benchInspectProcesses(reference));
    await section('verify vs docker pull (bench/verify.ts)', benchVerify);

    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
    const b = browser;
    chromiumVersion = `Chromium ${browser.version()}`;
    await section('browser-mode cold start', () => benchColdStart(b));
    await section('renderer bundle size', benchBundle);
    await section('100,000 log lines', () => benchLogPanel(b));
    await section('50 concurrent inspect calls over the WebSocket', () => benchWsInspect(reference));
  } finally {
    await browser?.close().catch(() => undefined);
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await core.close();
    const leftovers = await docker(['ps', '-aq', '--filter', `label=${LABEL}`]).catch(() => ({ stdout: '' }));
    const ids = leftovers.stdout.split('\n').filter(Boolean);
    if (ids.length) await docker(['rm', '-f', ...ids]).catch(() => undefined);
    if (registry) {
      await removeImagesFrom(registry.localhostAddress).catch(() => undefined);
      await registry.stop();
    }
    await rm(work, { recursive: true, force: true });
  }

  const when = new Date();
  const machine = `${os.cpus().length} CPU cores (${os.cpus()[0]?.model.trim() ?? 'unknown'}), ${formatBytes(os.totalmem())} RAM, ${await osName()}, Docker Engine ${engineVersion}, ${buildxVersion}, Node ${process.version}${chromiumVersion ? `, ${chromiumVersion}` : ''}`;
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const md0 = printGrid(`Issue 15's goals (median of ${ROUNDS}, the reference measured in the same run, alternating order)`, ['what', 'Multiarch Lab', 'reference', 'ratio', 'goal', 'met'], goalRows, [false, true, true, true, true, false]);
  const md1 = printTable(`The app's flows vs the same work as docker commands (median of ${ROUNDS}; ratio = app / CLI, below 1 means the app is faster)`, ['flow', 'the app', 'docker CLI', 'ratio', 'how'], appRows);
  const md2 = printTable('Browser mode', ['figure', 'value', 'reference', 'ratio', 'how'], browserRows);
  log(`\ntotal ${formatMs(performance.now() - started)}; load average at the end ${load}`);
  if (problems.length) {
    log('\nNot measured:');
    for (const p of problems) log(`  - ${p}`);
    process.exitCode = 1;
  }
  if (MARKDOWN) {
    const head = [
      `Measured ${when.toISOString().slice(0, 16).replace('T', ' ')} UTC by \`bench/run-all.ts ${ARGS.join(' ')}\`, on ${machine}.`,
      `Medians of ${ROUNDS} rounds; each row's two sides ran in the same run, alternating which went first, so a busy machine`,
      `shows in both (load average at the end: ${load}). Pasted as printed${problems.length ? `; not measured: ${problems.map((p) => p.split(':')[0]).join(', ')}` : ''}.`,
    ].join('\n');
    log(`\n----- Markdown for the README's Performance section -----\n\n${head}\n\n${md0}\n\n${md1}\n\n${md2}\n`);
  }
}

async function osName(): Promise<string> {
  const text = await readFile('/etc/os-release', 'utf8').catch(() => '');
  return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1] ?? `${os.type()} ${os.release()}`;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
