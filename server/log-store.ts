/**
 * Browser mode keeps build logs here, on the server, not in the page. A verbose build prints 100,000 lines
 * (about 9 MB on the wire); a browser takes hundreds of milliseconds just to receive that, and the page only
 * ever shows a screenful. So the server holds every line of a build (per task, in a LogBuffer), tells each
 * connection how many lines there are plus the newest ones (`LogTail`, see EventBatcher), and answers
 * `log:range` calls for the rows the user scrolls to, filters to, copies or saves. Nothing is lost: every
 * line is one range call away, for as long as the server runs (the page's buffer before this lasted as long
 * as the page).
 */
import * as z from 'zod';
import type { BuildLogLine } from '../core/contract/build.js';
import { AppError } from '../core/contract/errors.js';
import { LogBuffer } from '../core/contract/log-buffer.js';
import { packLogLines, type PackedLogLines } from '../core/contract/log-wire.js';

/** The server-side call that reads a range of a build's log (answered by the server, never by the core). */
export const LOG_RANGE_CHANNEL = 'log:range';
/** The newest lines a connection is sent with each update: more than a tall window shows. */
export const LOG_TAIL_LINES = 200;
/** Builds whose logs are kept (the newest ones); a build's log is what its Build view shows, so a few is plenty. */
const KEPT_TASKS = 8;
/** The most rows one range call returns. */
export const LOG_RANGE_MAX = 50_000;

/** Where a build's log stands: what a view needs to size itself and show its counts. */
export interface LogState {
  taskId: string;
  /** Every line received, including dropped ones: the absolute number of the next line. */
  total: number;
  /** Lines dropped from the front past the buffer's limit. */
  dropped: number;
  /** Per platform ('' for lines of none), how many lines are kept. */
  counts: Record<string, number>;
}

/** A `build:log` update on the wire: the state and the newest lines, packed; `from` is the first one's absolute number. */
export type LogTail = LogState & { from: number; packed: PackedLogLines };

export const LogRangeInput = z
  .object({
    taskId: z.string().min(1).max(200),
    /** A platform: that platform's lines and the lines of none, as the panel's filter shows them. */
    filter: z.string().max(200).nullable(),
    start: z.number().int().min(0),
    end: z.number().int().min(0),
  })
  .strict();
export type LogRangeInput = z.infer<typeof LogRangeInput>;

/** Rows [start, start + lines) of a view; `first` is the absolute number of the first row when unfiltered. */
export type LogRange = LogState & { filter: string | null; start: number; first: number | null; packed: PackedLogLines };

export class ServerLogs {
  private readonly logs = new Map<string, LogBuffer>();

  constructor(
    private readonly keptTasks = KEPT_TASKS,
    /** Lines kept per build (LogBuffer's limit); the oldest past it are dropped and counted. */
    private readonly lineLimit?: number,
  ) {}

  /** Takes a core event; `build:log` lines join their task's log. */
  note(event: string, payload: unknown): void {
    if (event !== 'build:log') return;
    const { taskId, lines } = payload as { taskId: string; lines: BuildLogLine[] };
    let log = this.logs.get(taskId);
    if (!log) {
      log = new LogBuffer(this.lineLimit);
      this.logs.set(taskId, log);
      // the oldest builds' logs go first
      while (this.logs.size > this.keptTasks) this.logs.delete(this.logs.keys().next().value as string);
    }
    log.append(lines);
  }

  state(taskId: string): LogState | null {
    const log = this.logs.get(taskId);
    if (!log) return null;
    return { taskId, total: log.totalReceived, dropped: log.droppedCount, counts: log.platformCounts() };
  }

  /** The state and the newest `n` lines. */
  tail(taskId: string, n = LOG_TAIL_LINES): LogTail | null {
    const log = this.logs.get(taskId);
    const state = this.state(taskId);
    if (!log || !state) return null;
    const count = log.length;
    const start = Math.max(0, count - n);
    return { ...state, from: state.dropped + start, packed: packLogLines(log.slice(null, start, count)) };
  }

  range(input: LogRangeInput): LogRange {
    const log = this.logs.get(input.taskId);
    const state = this.state(input.taskId);
    if (!log || !state) throw new AppError('not-found', 'The server no longer holds this build’s log.', { hint: 'It keeps the logs of the last few builds for as long as it runs; build again to see a new log.' });
    const end = Math.min(input.end, input.start + LOG_RANGE_MAX, log.count(input.filter));
    const lines = end > input.start ? log.slice(input.filter, input.start, end) : [];
    return { ...state, filter: input.filter, start: input.start, first: input.filter === null ? state.dropped + input.start : null, packed: packLogLines(lines) };
  }
}

/** Answers a `log:range` call's input (already known to be that channel's); throws an AppError for bad input. */
export function answerLogRange(logs: ServerLogs, input: unknown): LogRange {
  const parsed = LogRangeInput.safeParse(input);
  if (!parsed.success) throw new AppError('invalid-input', `A log range must be {taskId, filter, start, end}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`);
  return logs.range(parsed.data);
}
