/**
 * Where browser mode's cold start goes (issue 15): `serve --port 0` spawned, its page opened in an already-open
 * Chromium, until the Doctor shows the engine version, as run-all's 'browser-mode cold start' measures it, with a
 * timeline in between: the address printed, the page's response, DOMContentLoaded, the frame painted, the
 * doctor:report call sent and answered (the WebSocket frames as Playwright sees them, and the answer's arrival in
 * the page), the engine version in the DOM and seen by Playwright.
 * Several builds side by side, alternating which goes first, medians per mark:
 *
 *   PATH=/usr/bin:$PATH npx tsx bench/cold-start.ts [rounds] [path/to/cli/index.js …]   (default: dist/cli/index.js)
 *
 * MAL_BENCH_CPU_PROFILE=DIR also writes each server's V8 CPU profile there (node --cpu-prof), for the server's side.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from '@playwright/test';
import { formatMs, median, PATH_WITH_USR_BIN, spawnUntil, stopProcess } from './lib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ARGS = process.argv.slice(2);
const ROUNDS = Math.max(1, Number(ARGS.find((a) => /^\d+$/.test(a)) ?? 5));
const CLIS = ARGS.filter((a) => !/^\d+$/.test(a)).map((a) => path.resolve(a));
if (!CLIS.length) CLIS.push(path.join(ROOT, 'dist', 'cli', 'index.js'));
const PROFILE_DIR = process.env.MAL_BENCH_CPU_PROFILE;
const SERVING = /Multiarch Lab is serving on (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]+))/;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

type Marks = Map<string, number>;

async function oneRound(browser: Browser, cli: string): Promise<Marks> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  // the page notes when #root gets its first child, when the Doctor's report reaches it (its WebSocket frame, on
  // the page's clock) and when the engine version enters the DOM
  await page.addInitScript(() => {
    const w = window as unknown as { __coldStart: Record<string, number> };
    w.__coldStart = {};
    const PageSocket = window.WebSocket;
    window.WebSocket = class extends PageSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        w.__coldStart.socket ??= window.performance.now();
        this.addEventListener('open', () => {
          w.__coldStart.open ??= window.performance.now();
        });
        // added before the page's own handler, so it runs first
        this.addEventListener('message', (e: MessageEvent) => {
          if (w.__coldStart.report === undefined && typeof e.data === 'string' && e.data.includes('"type":"result"') && e.data.includes('"checks"')) {
            w.__coldStart.report = window.performance.now();
          }
        });
      }
    };
    document.addEventListener('DOMContentLoaded', () => {
      const observer = new MutationObserver(() => {
        if (document.getElementById('root')?.firstChild && w.__coldStart.frame === undefined) w.__coldStart.frame = window.performance.now();
        if (document.querySelector('[data-testid=engine-version]')) {
          w.__coldStart.engine = window.performance.now();
          observer.disconnect();
        }
      });
      observer.observe(document.body, { childList: true, subtree: true });
    });
  });
  const marks: Marks = new Map();
  const t0 = performance.now();
  const mark = (name: string, at = performance.now() - t0) => {
    if (!marks.has(name)) marks.set(name, at);
  };
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => {
      if (String(f.payload).includes('"channel":"doctor:report"')) mark('doctor:report sent');
    });
    ws.on('framereceived', (f) => {
      const text = String(f.payload);
      if (text.includes('"type":"result"') && text.includes('"buildx"') && text.includes('"checks"')) mark('doctor:report answered');
    });
  });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-bench-cold-'));
  const env = { ...process.env, PATH: PATH_WITH_USR_BIN, MULTIARCH_LAB_DATA_DIR: dataDir, BROWSER: 'none', NO_COLOR: '1' };
  const nodeArgs = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const { child, match } = await spawnUntil(process.execPath, [...nodeArgs, cli, 'serve', '--port', '0'], SERVING, { env, cwd: ROOT, timeoutMs: 30_000 });
  try {
    mark('address printed');
    await page.goto(match[1]!);
    await page.locator('[data-testid=engine-version]').waitFor({ state: 'visible', timeout: 60_000 });
    mark('engine version visible (Playwright)');
    // the server process's own CPU time by then (Linux): a figure a busy machine moves less than the wall clock
    const cpu = await processCpuMs(child.pid);
    if (cpu !== undefined) marks.set('(server process CPU by then, not a time)', cpu);
    const inPage = await page.evaluate(() => {
      const perf = window.performance;
      const nav = perf.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const m = (window as unknown as { __coldStart: Record<string, number> }).__coldStart;
      const fcp = perf.getEntriesByName('first-contentful-paint')[0]?.startTime;
      return { timeOrigin: perf.timeOrigin, responseEnd: nav.responseEnd, dcl: nav.domContentLoadedEventEnd, fcp, frame: m.frame, report: m.report, engine: m.engine, socket: m.socket, open: m.open };
    });
    // the page's clock starts at its navigation; move its marks onto ours
    const shift = inPage.timeOrigin - (performance.timeOrigin + t0);
    const pageMark = (name: string, at: number | undefined) => at !== undefined && mark(name, at + shift);
    pageMark('page: response end', inPage.responseEnd);
    pageMark('page: WebSocket created', inPage.socket);
    pageMark('page: WebSocket open', inPage.open);
    pageMark('page: DOMContentLoaded end', inPage.dcl);
    pageMark('page: frame in the DOM', inPage.frame);
    pageMark('page: first contentful paint', inPage.fcp);
    pageMark('page: doctor:report received', inPage.report);
    pageMark('page: engine version in the DOM', inPage.engine);
    // the page's own work between the two, on its clock alone
    if (inPage.report !== undefined && inPage.engine !== undefined) marks.set('(page: report received -> in the DOM, not a time)', inPage.engine - inPage.report);
  } finally {
    await context.close();
    await stopProcess(child);
    await rm(dataDir, { recursive: true, force: true });
  }
  return marks;
}

/** User + system CPU of a process so far, from /proc (Linux); undefined elsewhere. */
async function processCpuMs(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (!fields) return undefined;
  // utime and stime, the 14th and 15th fields, in clock ticks (100 a second on Linux)
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function main(): Promise<void> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
  const all = new Map<string, Map<string, number[]>>(CLIS.map((c) => [c, new Map()]));
  try {
    for (let i = 0; i < ROUNDS; i++) {
      for (const cli of i % 2 ? [...CLIS].reverse() : CLIS) {
        const marks = await oneRound(browser, cli);
        const into = all.get(cli)!;
        for (const [name, at] of marks) into.set(name, [...(into.get(name) ?? []), at]);
      }
    }
  } finally {
    await browser.close();
  }
  for (const [cli, marks] of all) {
    console.log(`\n${path.relative(ROOT, cli)} (median of ${ROUNDS}, from the spawn):`);
    const rows = [...marks].map(([name, values]) => [name, median(values)] as const).sort((a, b) => a[1] - b[1]);
    for (const [name, at] of rows) console.log(`  ${formatMs(at).padStart(8)}  ${name}   [${marks.get(name)!.map((v) => formatMs(v)).join(' ')}]`);
  }
  console.log(`\nload average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} CPU(s)`);
}

await main();
