/**
 * The per-platform build timeline as numbers: one shared time axis for every platform, and each step as a bar
 * placed by when it ran. Cached steps take no time, so they get a thin marker instead of a bar.
 */
import type { BuildStepState, PlatformProgress } from '../../../core/contract/build.js';

/** A build step's state as the timeline and the step chips say it. */
export const buildStepWords: Record<BuildStepState, string> = {
  waiting: 'waiting',
  running: 'running',
  cached: 'cached',
  done: 'done',
  error: 'failed',
  cancelled: 'cancelled',
};

export interface TimelineBar {
  key: string;
  name: string;
  state: BuildStepState;
  cached: boolean;
  /** Percent of the axis. */
  left: number;
  width: number;
  durationMs: number;
  /** The step has not ended yet: its bar grows to now. */
  open: boolean;
}

export interface TimelineRow {
  platform: string;
  state: BuildStepState;
  bars: TimelineBar[];
  /** From the platform's first step to its last, or to now while it runs. */
  durationMs: number | null;
  cachedSteps: number;
  ranSteps: number;
  /** Time spent in steps that ran code (not cached, not FROM): where emulation costs. */
  workMs: number;
}

export interface TimelineModel {
  start: number;
  end: number;
  rows: TimelineRow[];
  /** Axis marks, in ms from the start. */
  ticks: number[];
}

/** Bars narrower than this (in percent) are drawn at this width so they can be seen and pointed at. */
export const MIN_BAR_PERCENT = 0.6;

/** Ticks at a round step (100 ms, 250 ms, 500 ms, 1 s, 2 s, 5 s…) giving about `target` intervals. */
export function niceTicks(spanMs: number, target = 5): number[] {
  if (!(spanMs > 0)) return [0];
  const raw = spanMs / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = 0; t <= spanMs + step * 1e-9; t += step) ticks.push(Math.round(t));
  return ticks;
}

export function buildTimeline(platforms: readonly PlatformProgress[], now: number): TimelineModel | null {
  let start = Infinity;
  let end = -Infinity;
  for (const p of platforms) {
    for (const s of p.steps) {
      if (s.startedAt === undefined) continue;
      start = Math.min(start, s.startedAt);
      end = Math.max(end, s.endedAt ?? (s.state === 'running' ? now : s.startedAt));
    }
  }
  if (!Number.isFinite(start)) return null;
  // At least a second wide, so a fully cached build still reads as "instant" rather than as full-width bars.
  const span = Math.max(end - start, 1000);
  const pct = (t: number) => ((t - start) / span) * 100;

  const rows: TimelineRow[] = platforms.map((p) => {
    let first = Infinity;
    let last = -Infinity;
    let cachedSteps = 0;
    let ranSteps = 0;
    let workMs = 0;
    const bars: TimelineBar[] = [];
    p.steps.forEach((s, i) => {
      if (s.cached) cachedSteps++;
      else if (s.startedAt !== undefined) ranSteps++;
      if (s.startedAt === undefined) return;
      const open = s.endedAt === undefined && s.state === 'running';
      const stepEnd = s.endedAt ?? (open ? now : s.startedAt);
      first = Math.min(first, s.startedAt);
      last = Math.max(last, stepEnd);
      // Resolving and pulling the base image is network work, the same for every platform.
      if (!s.cached && !/^FROM(\s|$)/i.test(s.name)) workMs += Math.max(0, stepEnd - s.startedAt);
      const left = Math.min(100, Math.max(0, pct(s.startedAt)));
      const width = Math.max(MIN_BAR_PERCENT, Math.min(100 - left, pct(stepEnd) - pct(s.startedAt)));
      bars.push({
        key: `${s.stage ?? ''}:${s.index ?? i}:${s.name}`,
        name: s.name,
        state: s.state,
        cached: s.cached,
        left,
        width: Math.min(width, 100 - left) || MIN_BAR_PERCENT,
        durationMs: Math.max(0, stepEnd - s.startedAt),
        open,
      });
    });
    return {
      platform: p.platform,
      state: p.state,
      bars,
      durationMs: Number.isFinite(first) ? Math.max(0, last - first) : null,
      cachedSteps,
      ranSteps,
      workMs,
    };
  });
  return { start, end: start + span, rows, ticks: niceTicks(span) };
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m} min ${s} s`;
}

/**
 * "3.1× amd64": how much longer each platform spent running its steps than the quickest one. Only steps that
 * ran code count (cached steps and FROM cost the same everywhere), and only when every platform ran some.
 */
export function slowdownWords(rows: readonly TimelineRow[]): Map<string, string> {
  const out = new Map<string, string>();
  if (rows.length < 2 || rows.some((r) => r.workMs <= 0)) return out;
  const fastest = rows.reduce((a, b) => (b.workMs < a.workMs ? b : a));
  for (const r of rows) {
    if (r === fastest) continue;
    const ratio = r.workMs / fastest.workMs;
    if (ratio >= 1.15) out.set(r.platform, `${ratio.toFixed(1)}× ${fastest.platform.replace(/^linux\//, '')}`);
  }
  return out;
}
