/**
 * Benchmark: the CLI as whole processes against the commands it stands for, side by side in one run (issue 15).
 * Run: npm run build && PATH=/usr/bin:$PATH npx tsx bench/cli.ts [rounds]
 *
 *  - `multiarch-lab --help` vs `node -e 0` (what Node itself costs to start);
 *  - `multiarch-lab builder ls --json` vs `docker buildx ls`;
 *  - `multiarch-lab doctor --json` vs `docker info; docker buildx version; docker buildx ls` one after another
 *    (what a person types to learn the same facts).
 * Each pair runs `rounds` times (default 5), alternating which side goes first; medians. The machine may be busy
 * with other work: both sides of a row are measured in the same run, so read the ratio, not the times.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOCKER, execFileAsync, formatMs, median, PATH_WITH_USR_BIN, ratio, timeMs, type Row } from './lib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_ENTRY = path.join(ROOT, 'dist', 'cli', 'index.js');

const env = { ...process.env, PATH: PATH_WITH_USR_BIN, NO_COLOR: '1' };
const run = (file: string, args: string[]) => execFileAsync(file, args, { env, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 });
const app = (args: string[]) => run(process.execPath, [CLI_ENTRY, ...args]);

/** `rounds` samples of each side, alternating which goes first; one warm-up of each first (disk cache). */
export async function pair(rounds: number, a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<{ app: number; ref: number }> {
  await a();
  await b();
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      as.push(await timeMs(a));
      bs.push(await timeMs(b));
    } else {
      bs.push(await timeMs(b));
      as.push(await timeMs(a));
    }
  }
  return { app: median(as), ref: median(bs) };
}

export interface CliRow extends Row {
  goal: string;
  met: boolean;
  ratioValue: number;
}

function row(flow: string, r: { app: number; ref: number }, reference: string, goal: number, how: string): CliRow {
  const value = r.app / r.ref;
  return { flow, app: formatMs(r.app), cli: `${reference} ${formatMs(r.ref)}`, ratio: ratio(r.app, r.ref), how, goal: `≤ ${goal.toFixed(1)}x`, met: value <= goal, ratioValue: value };
}

export async function benchCliProcesses(rounds: number): Promise<CliRow[]> {
  const rows: CliRow[] = [];
  rows.push(row('`multiarch-lab --help`', await pair(rounds, () => app(['--help']), () => run(process.execPath, ['-e', '0'])), '`node -e 0`', 1.3, 'whole processes: the CLI printing its help vs Node starting and doing nothing'));
  rows.push(row('`multiarch-lab builder ls --json`', await pair(rounds, () => app(['builder', 'ls', '--json']), () => run(DOCKER, ['buildx', 'ls'])), '`docker buildx ls`', 1.2, 'whole processes: every builder with nodes, driver options and the current one vs the buildx table'));
  rows.push(
    row(
      '`multiarch-lab doctor --json`',
      await pair(
        rounds,
        () => app(['doctor', '--json']),
        async () => {
          await run(DOCKER, ['info']);
          await run(DOCKER, ['buildx', 'version']);
          await run(DOCKER, ['buildx', 'ls']);
        },
      ),
      '`docker info; docker buildx version; docker buildx ls`',
      1.0,
      'whole processes: the Doctor (endpoint discovery, engine, buildx, builders, binfmt_misc) vs the three commands one after another',
    ),
  );
  return rows;
}

async function main(): Promise<void> {
  const rounds = Math.max(1, Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 5));
  const rows = await benchCliProcesses(rounds);
  console.log(`CLI as whole processes, median of ${rounds}, alternating order (the reference is measured in the same run)\n`);
  for (const r of rows) console.log(`${r.flow.padEnd(36)} ${r.app.padStart(8)}   ${r.cli.padEnd(70)} ${r.ratio.padStart(6)}  goal ${r.goal} ${r.met ? 'met' : 'NOT met'}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
