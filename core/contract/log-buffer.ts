/**
 * A build's log lines, in order, with an index per platform: the renderer's buffer in Electron (every line
 * reaches the window) and the server's in browser mode (the browser is sent the newest lines and fetches the
 * rest by range, see server/log-store.ts). Pure: no DOM, no Node.
 */
import type { BuildLogLine } from './build.js';

/** A build that prints more than this keeps its newest lines; the count of dropped ones is shown. */
export const LOG_BUFFER_LIMIT = 250_000;

/**
 * Lines of one build, in order, with an index per platform so a filtered view never scans every line.
 * Every operation costs the same at line 100 and at line 100,000: appending is O(batch), dropping the oldest
 * lines past the limit moves a start offset (the storage is compacted once per `limit / 4` dropped lines, so
 * amortised O(1) a line), and a filtered view extends its merged index with the new lines only.
 * `version` changes on every change so a view knows when to draw again.
 */
export class LogBuffer {
  /** Lines by absolute number (0 = the first line since the last clear) minus `compacted`. */
  private lines: BuildLogLine[] = [];
  /** Lines removed from the front of `lines` (all of them dropped). */
  private compacted = 0;
  /** Lines dropped from the front when the limit was reached (the first kept line's absolute number). */
  private dropped = 0;
  /** Absolute numbers of each platform's lines (lines without a platform are under ''). */
  private byPlatform = new Map<string, number[]>();
  private _version = 0;
  /** One platform's lines merged with the platform-less ones, in log order, as far as the lists were read. */
  private filtered: { filter: string; fromA: number; fromB: number; positions: number[] } | null = null;

  constructor(private readonly limit = LOG_BUFFER_LIMIT) {}

  get version(): number {
    return this._version;
  }

  get length(): number {
    return this.compacted + this.lines.length - this.dropped;
  }

  get droppedCount(): number {
    return this.dropped;
  }

  /** Every line received, including the dropped ones. */
  get totalReceived(): number {
    return this.compacted + this.lines.length;
  }

  append(batch: readonly BuildLogLine[]): void {
    if (batch.length === 0) return;
    let at = this.totalReceived;
    for (const line of batch) {
      this.lines.push(line);
      const key = line.platform ?? '';
      let list = this.byPlatform.get(key);
      if (!list) {
        list = [];
        this.byPlatform.set(key, list);
      }
      list.push(at++);
    }
    if (this.length > this.limit) this.trim();
    this._version++;
  }

  clear(): void {
    this.lines = [];
    this.compacted = 0;
    this.dropped = 0;
    this.byPlatform = new Map();
    this.filtered = null;
    this._version++;
  }

  /** Platforms that printed something (and still have lines kept), in the order they first did. */
  platforms(): string[] {
    return [...this.byPlatform].filter(([k, list]) => k !== '' && this.kept(list) > 0).map(([k]) => k);
  }

  /** How many lines a view shows: all of them, or one platform's plus the lines of no platform. */
  count(filter: string | null): number {
    if (filter === null) return this.length;
    return this.kept(this.byPlatform.get(filter)) + this.kept(this.byPlatform.get(''));
  }

  /** Rows [start, end) of a view. */
  slice(filter: string | null, start: number, end: number): BuildLogLine[] {
    const from = Math.max(0, start);
    if (filter === null) {
      const head = this.dropped - this.compacted;
      return this.lines.slice(head + from, head + Math.max(from, Math.min(end, this.length)));
    }
    const positions = this.filteredPositions(filter);
    // positions of dropped lines are still at the front of the merged list until the next compaction
    const skip = firstAtLeast(positions, this.dropped);
    const out: BuildLogLine[] = [];
    for (let i = skip + from; i < Math.min(skip + end, positions.length); i++) {
      const line = this.lines[positions[i]! - this.compacted];
      if (line) out.push(line);
    }
    return out;
  }

  /** All lines of a view as plain text, ANSI codes removed (for copying or saving). */
  text(filter: string | null): string {
    const rows = this.slice(filter, 0, this.count(filter));
    return rows.map((l) => `${l.platform ? `[${l.platform}] ` : ''}${stripAnsi(l.text)}`).join('\n');
  }

  /** Per platform ('' for the lines of none), how many of its lines are kept: what `count` and `platforms` read. */
  platformCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, list] of this.byPlatform) {
      const n = this.kept(list);
      if (n > 0) out[key] = n;
    }
    return out;
  }

  /** How many of a list's lines are kept (the list is sorted; dropped ones are at its front). */
  private kept(list: readonly number[] | undefined): number {
    return list ? list.length - firstAtLeast(list, this.dropped) : 0;
  }

  /**
   * One platform's positions merged with the platform-less ones, in log order. Both lists only grow at their
   * end, so the merge is kept and extended with what arrived since it was last read.
   */
  private filteredPositions(filter: string): number[] {
    const a = this.byPlatform.get(filter) ?? [];
    const b = this.byPlatform.get('') ?? [];
    let cached = this.filtered;
    if (!cached || cached.filter !== filter) cached = this.filtered = { filter, fromA: 0, fromB: 0, positions: [] };
    let i = cached.fromA;
    let j = cached.fromB;
    const out = cached.positions;
    while (i < a.length && j < b.length) out.push(a[i]! < b[j]! ? a[i++]! : b[j++]!);
    while (i < a.length) out.push(a[i++]!);
    while (j < b.length) out.push(b[j++]!);
    cached.fromA = i;
    cached.fromB = j;
    return out;
  }

  /** Drops the oldest lines past the limit; the storage itself is compacted once a quarter of `limit` is dead. */
  private trim(): void {
    this.dropped = this.totalReceived - this.limit;
    const dead = this.dropped - this.compacted;
    if (dead < Math.max(1, Math.floor(this.limit / 4))) return;
    this.lines = this.lines.slice(dead);
    this.compacted = this.dropped;
    const next = new Map<string, number[]>();
    for (const [key, list] of this.byPlatform) {
      const from = firstAtLeast(list, this.dropped);
      if (from < list.length) next.set(key, list.slice(from));
    }
    this.byPlatform = next;
    if (this.filtered) {
      const f = this.filtered;
      // keep the merge: drop its dead front, and re-point where it had read each list up to
      const positions = f.positions.slice(firstAtLeast(f.positions, this.dropped));
      const a = next.get(f.filter) ?? [];
      const b = next.get('') ?? [];
      const readUpTo = positions.length ? positions[positions.length - 1]! : this.dropped - 1;
      this.filtered = { filter: f.filter, fromA: firstAtLeast(a, readUpTo + 1), fromB: firstAtLeast(b, readUpTo + 1), positions };
    }
  }
}

/** The first index of a sorted list whose value is at least `value` (the list's length when none is). */
function firstAtLeast(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// eslint-disable-next-line no-control-regex -- matching escape sequences is the point
export const ESCAPES = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
// eslint-disable-next-line no-control-regex -- the other control characters a terminal would not print
export const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f]/g;

export function stripAnsi(text: string): string {
  return text.replace(ESCAPES, '').replace(CONTROLS, '');
}
