/**
 * A build log the server keeps (browser mode, server/log-store.ts): the page holds the log's state (line count,
 * per-platform counts) and the lines it was sent or has fetched, and fetches the rows a view shows when it
 * does not have them. The panel reads it like a LogBuffer; a row not here yet is `undefined` for a moment and
 * is drawn once its range arrives. Every line stays reachable: scrolling, filtering, copying and saving read
 * the server's copy of the whole log.
 */
import type { BuildLogLine } from '../../../core/contract/build.js';
import type { LogRangeAnswer, LogTailInfo } from '../api/types.js';
import { stripAnsi, type LogView } from './log-panel-model.js';

/** Rows are fetched in aligned chunks of this many, so a screenful costs one or two calls. */
const CHUNK = 500;
/** Copy and Save read the log in pages of this many rows (the server's limit per call). */
const PAGE = 50_000;

export type FetchLogRange = (taskId: string, filter: string | null, start: number, end: number) => Promise<LogRangeAnswer>;

export class RemoteLog implements LogView {
  private taskId: string | null = null;
  private total = 0;
  private dropped = 0;
  private counts: Record<string, number> = {};
  private _version = 0;
  /** Lines by absolute number. */
  private byNumber = new Map<number, BuildLogLine>();
  /** Per filter, lines by row of that view (valid while `dropped` stays as it was when they came). */
  private byFilter = new Map<string, Map<number, BuildLogLine>>();
  private inFlight = new Set<string>();
  /** Chunks whose fetch failed; tried again with the next update. */
  private failed = new Set<string>();
  /** Bumped by clear(): answers for an earlier log are dropped. */
  private generation = 0;
  /** Why rows stay empty: the last range call's error, until one succeeds. */
  problem: string | null = null;
  /** Told when fetched rows arrived (the store bumps the version it hands the panel). */
  onChange: () => void = () => undefined;

  constructor(private readonly fetchRange: FetchLogRange) {}

  get version(): number {
    return this._version;
  }

  get length(): number {
    return this.total - this.dropped;
  }

  get droppedCount(): number {
    return this.dropped;
  }

  /** A `build:log` update: the log's state and its newest lines, `lines[0]` being line number `tail.from`. */
  apply(tail: LogTailInfo, lines: readonly BuildLogLine[]): void {
    if (this.taskId !== tail.taskId) {
      this.reset();
      this.taskId = tail.taskId;
    }
    this.takeState(tail);
    this.failed.clear();
    for (let i = 0; i < lines.length; i++) this.byNumber.set(tail.from + i, lines[i]!);
    // the tail's lines of a platform (and of none) are the newest rows of that platform's view
    for (const [filter, rows] of this.byFilter) {
      const matching = lines.filter((l) => l.platform === filter || l.platform === undefined);
      const first = this.count(filter) - matching.length;
      for (let j = 0; j < matching.length; j++) rows.set(first + j, matching[j]!);
    }
    this._version++;
  }

  clear(): void {
    this.reset();
    this.taskId = null;
    this._version++;
  }

  platforms(): string[] {
    return Object.keys(this.counts).filter((k) => k !== '' && (this.counts[k] ?? 0) > 0);
  }

  count(filter: string | null): number {
    if (filter === null) return this.length;
    return (this.counts[filter] ?? 0) + (this.counts[''] ?? 0);
  }

  /** Rows [start, end) of a view; a row not fetched yet is undefined, and its chunk is asked for. */
  slice(filter: string | null, start: number, end: number): Array<BuildLogLine | undefined> {
    const to = Math.min(end, this.count(filter));
    const out: Array<BuildLogLine | undefined> = [];
    const rows = filter === null ? undefined : this.byFilter.get(filter);
    let missingFrom = -1;
    let missingTo = -1;
    for (let row = Math.max(0, start); row < to; row++) {
      const line = filter === null ? this.byNumber.get(this.dropped + row) : rows?.get(row);
      out.push(line);
      if (line) continue;
      if (missingFrom < 0) missingFrom = row;
      missingTo = row + 1;
    }
    if (missingFrom >= 0) for (let c = Math.floor(missingFrom / CHUNK); c * CHUNK < missingTo; c++) this.fetchChunk(filter, c);
    return out;
  }

  /** Every line of a view as plain text, read from the server. */
  async text(filter: string | null): Promise<string> {
    const taskId = this.taskId;
    if (taskId === null) return '';
    const parts: string[] = [];
    let count = this.count(filter);
    for (let start = 0; start < count; start += PAGE) {
      const answer = await this.fetchRange(taskId, filter, start, Math.min(count, start + PAGE));
      // lines may have been dropped meanwhile past the limit: the rows then moved, so read on from the new count
      count = Math.min(count, filter === null ? answer.total - answer.dropped : (answer.counts[filter] ?? 0) + (answer.counts[''] ?? 0));
      for (const l of answer.lines) parts.push(`${l.platform ? `[${l.platform}] ` : ''}${stripAnsi(l.text)}`);
    }
    return parts.join('\n');
  }

  private fetchChunk(filter: string | null, chunk: number): void {
    const taskId = this.taskId;
    const key = `${filter ?? ''}\u0000${chunk}`;
    if (taskId === null || this.inFlight.has(key) || this.failed.has(key)) return;
    this.inFlight.add(key);
    const generation = this.generation;
    this.fetchRange(taskId, filter, chunk * CHUNK, (chunk + 1) * CHUNK).then(
      (answer) => {
        if (generation !== this.generation) return;
        this.inFlight.delete(key);
        this.problem = null;
        this.takeState(answer);
        if (filter === null) {
          const first = answer.first ?? this.dropped + answer.start;
          for (let i = 0; i < answer.lines.length; i++) this.byNumber.set(first + i, answer.lines[i]!);
        } else if (answer.dropped === this.dropped) {
          let rows = this.byFilter.get(filter);
          if (!rows) this.byFilter.set(filter, (rows = new Map()));
          for (let i = 0; i < answer.lines.length; i++) rows.set(answer.start + i, answer.lines[i]!);
        }
        this._version++;
        this.onChange();
      },
      (error: unknown) => {
        if (generation !== this.generation) return;
        this.inFlight.delete(key);
        this.failed.add(key);
        this.problem = `Some lines could not be read from the server: ${error instanceof Error ? error.message : String(error)}`;
        this._version++;
        this.onChange();
      },
    );
  }

  /** The newer of what is known and what an answer says (answers and updates arrive in the server's order). */
  private takeState(state: { total: number; dropped: number; counts: Record<string, number> }): void {
    if (state.total < this.total) return;
    if (state.dropped !== this.dropped) this.byFilter.clear();
    this.total = state.total;
    this.dropped = state.dropped;
    this.counts = state.counts;
  }

  private reset(): void {
    this.generation++;
    this.problem = null;
    this.total = 0;
    this.dropped = 0;
    this.counts = {};
    this.byNumber = new Map();
    this.byFilter = new Map();
    this.inFlight.clear();
    this.failed.clear();
  }
}
