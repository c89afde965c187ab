/**
 * `multiarch-lab run REF [--platform P1,P2…] [--timeout S] [--json] [-- CMD…]`: run every platform variant and
 * print what each one says, side by side. Exits 1 when any platform fails, so it works as a CI check.
 * `--history` lists saved runs; `--export ID [--format markdown|json]` prints one.
 */
import { cancelOnInterrupt } from '../interrupt.js';
import { InvalidArgumentError, type Command } from 'commander';
import { AppError } from '../../core/contract/errors.js';
import type { PlatformRun, RunMatrix, RunSummary } from '../../core/contract/runs.js';
import { formatCommand } from '../../core/docker/exec.js';
import { formatDuration, resultWord } from '../../core/runs/export.js';
import { withSweptCore } from '../core-session.js';
import { callWithProgress } from '../task-printer.js';
import { printJson, processStreams, runAction, type Streams } from '../output.js';

interface RunFlags {
  platform?: string[];
  timeout?: number;
  concurrency?: number;
  json?: boolean;
  history?: boolean;
  export?: string;
  format?: 'json' | 'markdown';
  insecure?: boolean;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run every platform variant of an image and check what each prints (exits 1 when any platform fails)')
    .argument('[ref]', 'image reference in a registry, e.g. localhost:5000/hello:1')
    .argument('[command...]', 'command to run instead of the image\'s CMD, after --, e.g. -- uname -m')
    .option('--platform <list>', 'only these platforms, comma-separated (default: every platform of the image)', parsePlatformList)
    .option('--timeout <seconds>', 'stop a run that takes longer (default 60)', parseSeconds)
    .option('--concurrency <n>', 'platforms run at once, 1 to 8 (default 2)', parseConcurrency)
    .option('--insecure', 'plain HTTP for this call only, for a registry not in the plain-HTTP list (see: settings plain-http)')
    .option('--json', 'print the result as JSON')
    .option('--history', 'list the saved runs')
    .option('--export <id>', 'print a saved run')
    .option('--format <format>', 'with --export: markdown (default) or json', parseFormat)
    .action(async (ref: string | undefined, command: string[], flags: RunFlags) => {
      await runAction(flags, () => run(ref, command, flags));
    });
}

export function parsePlatformList(value: string, previous?: string[]): string[] {
  const items = value.split(',').map((p) => p.trim()).filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError('Give one or more platforms, e.g. linux/amd64,linux/arm64.');
  return [...(previous ?? []), ...items];
}

function parseSeconds(value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) < 1 || Number(value) > 3600) {
    throw new InvalidArgumentError('Use a number of seconds from 1 to 3600.');
  }
  return Number(value);
}

function parseConcurrency(value: string): number {
  if (!/^[1-8]$/.test(value)) throw new InvalidArgumentError('Use a whole number from 1 to 8.');
  return Number(value);
}

function parseFormat(value: string): 'json' | 'markdown' {
  if (value !== 'json' && value !== 'markdown' && value !== 'md') throw new InvalidArgumentError('Use markdown or json.');
  return value === 'md' ? 'markdown' : value;
}

async function run(ref: string | undefined, command: string[], flags: RunFlags, streams: Streams = processStreams): Promise<number> {
  if (flags.history) {
    return withSweptCore('cli', async (core) => {
      const list = await core.call('runs:list', {});
      if (flags.json) printJson(list, streams);
      else streams.stdout(renderHistory(list));
      return 0;
    });
  }
  if (flags.export !== undefined) {
    const id = flags.export;
    return withSweptCore('cli', async (core) => {
      const exported = await core.call('runs:export', { id, format: flags.format ?? 'markdown' });
      streams.stdout(exported.text);
      return 0;
    });
  }
  if (!ref) {
    throw new AppError('invalid-input', 'No image to run: give its reference, e.g. multiarch-lab run localhost:5000/hello:1.', {
      hint: 'Use the reference your build pushed; add -- uname -m to print each platform\'s machine.',
    });
  }
  return withSweptCore('cli', async (core) => {
    const controller = new AbortController();
    const stopInterrupt = cancelOnInterrupt(controller);
    try {
      // a line per step as it starts and ends, so a long emulated run shows it is alive
      const matrix = await callWithProgress(
        core,
        'runs:start',
        {
          reference: ref,
          ...(flags.platform ? { platforms: flags.platform } : {}),
          ...(flags.timeout !== undefined ? { timeoutMs: Math.round(flags.timeout * 1000) } : {}),
          ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
          ...(command.length ? { command } : {}),
          ...(flags.insecure ? { insecure: true } : {}),
        },
        { write: flags.json ? null : streams.stderr, signal: controller.signal },
      );
      if (flags.json) printJson(matrix, streams);
      else streams.stdout(renderMatrix(matrix));
      return matrix.ok ? 0 : 1;
    } finally {
      stopInterrupt();
    }
  });
}

function table(rows: string[][], indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => {
    widths[i] = Math.max(widths[i] ?? 0, cell.length);
  });
  return rows.map((row) => indent + row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell)).join('  ').trimEnd());
}

function printedCell(run: PlatformRun): string {
  if (run.printed) return run.printed;
  if (run.failure === 'exec-format') return '(exec format error)';
  if (run.failure === 'timeout') return '(timed out)';
  if (run.failure === 'pull-failed' || run.failure === 'not-in-image' || run.failure === 'engine-error') return '(did not run)';
  return '(nothing recognisable)';
}

/** The matrix as a side-by-side table, then the reasons for anything that is not a plain pass. */
export function renderMatrix(m: RunMatrix): string {
  const out: string[] = [];
  out.push(`Run matrix for ${m.reference} (${m.digest.slice(0, 19)}…)`);
  out.push(`Command: ${m.command ? formatCommand(m.command) : "the image's own CMD"}; engine ${m.engine.arch}; saved as ${m.id}`, '');
  out.push(
    ...table([
      ['PLATFORM', 'EXPECTED', 'PRINTED', 'RESULT', 'FILES', 'RAN', 'EXIT', 'TIME'],
      ...m.runs.map((r) => [r.platform, r.expectedText, printedCell(r), resultWord(r), r.verification?.verdict ?? '-', r.execution, r.exitCode === null ? '-' : String(r.exitCode), formatDuration(r.durationMs)]),
    ], '  '),
  );
  const notes = m.runs.filter((r) => r.explanation || r.note);
  if (notes.length) {
    out.push('');
    for (const r of notes) out.push(`${r.platform}: ${[r.explanation, r.note].filter(Boolean).join(' ')}`);
  }
  const files = m.runs.filter((r) => r.verification);
  if (files.length) {
    out.push('', "The image's files (read from the registry, not run):");
    for (const r of files) {
      const v = r.verification!;
      out.push(`  ${r.platform}: ${v.verdict}${v.entrypoint ? `, entrypoint ${v.entrypoint}` : ''}${v.cause ? `: ${v.cause}` : v.verdict === 'ok' ? '' : `: ${v.summary}`}`);
    }
  }
  out.push('', 'Run one yourself:');
  for (const r of m.runs) out.push(`  ${formatCommand(r.command)}`);
  out.push('');
  const verdict = m.ok
    ? `All ${m.runs.length} platform${m.runs.length === 1 ? '' : 's'} ran${m.summary.unverified ? ` (${m.summary.unverified} printed no machine name, so were not checked)` : ' and printed what they should'}.`
    : `${m.summary.failed} of ${m.runs.length} platform${m.runs.length === 1 ? '' : 's'} failed.`;
  out.push(verdict, '');
  return out.join('\n');
}

export function renderHistory(list: RunSummary[]): string {
  if (list.length === 0) return 'No saved runs yet. Run an image first: multiarch-lab run localhost:5000/hello:1 -- uname -m\n';
  const rows = list.map((s) => [
    s.id,
    s.startedAt.replace('T', ' ').slice(0, 19),
    s.ok ? 'ok' : 'failed',
    `${s.summary.passed}/${s.platforms.length} passed`,
    s.reference,
  ]);
  return `${table([['ID', 'STARTED (UTC)', 'RESULT', 'PLATFORMS', 'REFERENCE'], ...rows]).join('\n')}\n`;
}
