/**
 * One `runs:start` (3 platforms, concurrency 3) traced: each engine API request over the socket and each task
 * step, in ms from the call, next to three `docker run --rm --platform` at once. For finding where a matrix's time goes.
 * Run: PATH=/usr/bin:$PATH npx tsx bench/trace-matrix.ts [rounds]
 */
import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { createCore } from '../core/index.js';
import { seedMultiArchImage, startRegistryProcess } from '../test/helpers/registry-process.js';
import { docker, median, PATH_WITH_USR_BIN } from './lib.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const LABEL = `dev.multiarch-lab.test=trace-${process.pid}`;
const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
let t0 = 0;
let lines: string[] = [];
let lastStep = '';
const at = () => (performance.now() - t0).toFixed(1).padStart(7);

const original = http.request;
(http as unknown as { request: typeof http.request }).request = ((...args: Parameters<typeof http.request>) => {
  const opts = args[0] as http.RequestOptions;
  const what = `${opts.method ?? 'GET'} ${String(opts.path).split('?')[0]}`;
  const s = at();
  const req = original(...args);
  req.on('upgrade', (res) => lines.push(`${s} → ${at()} upgrade ${res.statusCode} ${what}`));
  req.on('response', (res) => {
    const h = at();
    res.once('end', () => lines.push(`${s} → ${h} … ${at()} ${res.statusCode} ${what}`));
    res.once('close', () => lines.push(`${s} → ${h} closed ${at()} ${res.statusCode} ${what}`));
  });
  return req;
}) as typeof http.request;

// the registry reads go through fetch (undici), not http.request
const sent = new WeakMap<object, string>();
diagnostics.subscribe('undici:request:create', (m) => {
  const { request } = m as { request: { method: string; origin: string; path: string } };
  sent.set(request, at());
});
diagnostics.subscribe('undici:request:headers', (m) => {
  const { request, response } = m as { request: { method: string; path: string }; response: { statusCode: number } };
  lines.push(`${sent.get(request)} → ${at()} registry ${response.statusCode} ${request.method} ${request.path}`);
});

async function main() {
  const work = await mkdtemp(path.join(os.tmpdir(), 'mal-trace-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: PATH_WITH_USR_BIN, MULTIARCH_LAB_RESOURCE_LABELS: LABEL };
  delete env.DOCKER_HOST;
  const core = createCore({ mode: 'cli', dataDir: path.join(work, 'data'), env });
  core.events.onAny((event, payload) => {
    if (event !== 'task:update') return;
    const p = payload as { state?: string; steps?: Array<{ id: string; state: string }> };
    const text = `${p.state} ${(p.steps ?? []).map((s) => `${s.id}:${s.state}`).join(' ')}`;
    if (text !== lastStep) lines.push(`${at()} task ${text}`);
    lastStep = text;
  });
  const registry = await startRegistryProcess();
  try {
    await seedMultiArchImage(registry, 'trace/busybox', '1');
    const reference = `${registry.localhostAddress}/trace/busybox:1`;
    const run = () => core.call('runs:start', { reference, command: ['uname', '-m'], concurrency: 3 });
    const cli = () => Promise.all(PLATFORMS.map((p) => docker(['run', '--rm', '--label', LABEL, '--platform', p, reference, 'uname', '-m'])));
    await run();
    await cli();
    const a: number[] = [];
    const c: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      lines = [];
      const cpu0 = process.cpuUsage();
      t0 = performance.now();
      await run();
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      a.push(ms);
      if (i === ROUNDS - 1) console.log(lines.join('\n'));
      const s = performance.now();
      await cli();
      c.push(performance.now() - s);
      console.log(`round ${i}: app ${ms.toFixed(0)} ms (cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms), cli ${c[i]!.toFixed(0)} ms`);
    }
    console.log(`median app ${median(a).toFixed(0)} cli ${median(c).toFixed(0)} ratio ${(median(a) / median(c)).toFixed(2)}`);
  } finally {
    await core.close();
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
}
main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
