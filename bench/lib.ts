/** Small helpers shared by the benchmark scripts: timing, statistics and the printed tables. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

export const execFileAsync = promisify(execFile);
export const DOCKER = '/usr/bin/docker';
export const PATH_WITH_USR_BIN = `/usr/bin:${process.env.PATH ?? ''}`;

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile, p in [0, 1]. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
}

export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export function docker(args: string[], timeoutMs = 300_000) {
  return execFileAsync(DOCKER, args, { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, env: { ...process.env, PATH: PATH_WITH_USR_BIN } });
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

export function ratio(app: number, cli: number): string {
  return Number.isFinite(app) && Number.isFinite(cli) && cli > 0 ? `${(app / cli).toFixed(2)}x` : '—';
}

export interface Row {
  flow: string;
  app: string;
  cli: string;
  ratio: string;
  how: string;
}

/** A plain table for the terminal and the same rows as Markdown for the README. */
export function printTable(title: string, headers: [string, string, string, string, string], rows: Row[]): string {
  const cells = rows.map((r) => [r.flow, r.app, r.cli, r.ratio, r.how]);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === 0 || i === 4 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  console.log(`\n${title}\n`);
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
  const md = [`| ${headers.join(' | ')} |`, `| ${headers.map((_, i) => (i === 0 || i === 4 ? '---' : '---:')).join(' | ')} |`, ...cells.map((c) => `| ${c.map((v) => v.replace(/\|/g, '\\|')).join(' | ')} |`)];
  return md.join('\n');
}

/** Starts a command and resolves with its first stdout match of `pattern`; the process keeps running. */
export function spawnUntil(file: string, args: string[], pattern: RegExp, options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} ${args.join(' ')} printed nothing matching ${pattern} within ${options.timeoutMs ?? 30_000} ms:\n${output}`));
    }, options.timeoutMs ?? 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const m = pattern.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited (${signal ?? code}) before it was ready:\n${output}`));
    });
  });
}

/** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
export function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A table of any number of columns, for the terminal, returned as Markdown too; `right` marks number columns. */
export function printGrid(title: string, headers: string[], rows: string[][], right: boolean[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (c: string[]) => c.map((v, i) => (right[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ');
  console.log(`\n${title}\n`);
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  const md = [`| ${headers.join(' | ')} |`, `| ${headers.map((_, i) => (right[i] ? '---:' : '---')).join(' | ')} |`, ...rows.map((r) => `| ${r.map((v) => v.replace(/\|/g, '\\|')).join(' | ')} |`)];
  return md.join('\n');
}
