/**
 * The pure parts of the log panel: a buffer that takes a build's lines in batches without copying what it
 * already holds, ANSI colour codes turned into spans (or dropped), and which rows of a long list are on screen.
 */
import type { BuildLogLine } from '../../../core/contract/build.js';
import { CONTROLS, ESCAPES } from '../../../core/contract/log-buffer.js';

export { LOG_BUFFER_LIMIT, LogBuffer, stripAnsi } from '../../../core/contract/log-buffer.js';

/**
 * What the log panel reads: the lines themselves (LogBuffer, Electron) or a window on a log the server keeps
 * (RemoteLog, browser mode), where a row not fetched yet is undefined until its range arrives.
 */
export interface LogView {
  /** Changes on every change. */
  readonly version: number;
  readonly length: number;
  readonly droppedCount: number;
  count(filter: string | null): number;
  platforms(): string[];
  slice(filter: string | null, start: number, end: number): ReadonlyArray<BuildLogLine | undefined>;
  /** Why rows stay empty (a log the server no longer holds), or null. */
  readonly problem?: string | null;
  /** Every line of a view as plain text (for Copy and Save). */
  text(filter: string | null): string | Promise<string>;
  clear(): void;
}

// ---- ANSI ----

export interface AnsiSpan {
  text: string;
  /** 0-7 normal, 8-15 bright; absent for the default colour. */
  fg?: number;
  bold?: boolean;
}


/**
 * Splits a line at its SGR colour codes into spans with a foreground colour and boldness; every other escape
 * sequence (cursor moves, titles) is dropped, as is a carriage return's overwritten text.
 */
export function parseAnsi(input: string): AnsiSpan[] {
  // A progress line rewritten with \r shows only its last version.
  const cr = input.lastIndexOf('\r');
  const text = cr >= 0 && cr < input.length - 1 ? input.slice(cr + 1) : input.replace(/\r$/, '');
  const spans: AnsiSpan[] = [];
  let fg: number | undefined;
  let bold = false;
  let last = 0;
  const push = (chunk: string) => {
    const clean = chunk.replace(ESCAPES, '').replace(CONTROLS, '');
    if (!clean) return;
    const prev = spans[spans.length - 1];
    if (prev && prev.fg === fg && (prev.bold ?? false) === bold) {
      prev.text += clean;
      return;
    }
    const span: AnsiSpan = { text: clean };
    if (fg !== undefined) span.fg = fg;
    if (bold) span.bold = true;
    spans.push(span);
  };
  // eslint-disable-next-line no-control-regex -- SGR: ESC [ params m
  const sgr = /\x1b\[([0-9;]*)m/g;
  for (let m = sgr.exec(text); m; m = sgr.exec(text)) {
    push(text.slice(last, m.index));
    last = m.index + m[0].length;
    const codes = (m[1] ?? '').split(';').map((c) => (c === '' ? 0 : Number(c)));
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!;
      if (c === 0) {
        fg = undefined;
        bold = false;
      } else if (c === 1) bold = true;
      else if (c === 22) bold = false;
      else if (c >= 30 && c <= 37) fg = c - 30;
      else if (c >= 90 && c <= 97) fg = c - 90 + 8;
      else if (c === 39) fg = undefined;
      else if (c === 38) {
        // 256-colour and true colour: keep the text, approximate nothing, skip the parameters.
        i += codes[i + 1] === 5 ? 2 : codes[i + 1] === 2 ? 4 : 0;
      }
    }
  }
  push(text.slice(last));
  return spans;
}

// ---- virtual rows ----

export interface RowWindow {
  /** First row to draw. */
  start: number;
  /** One past the last row to draw. */
  end: number;
}

/** Rows on screen for a scroll position, plus `overscan` rows on each side so a quick scroll shows no gap. */
export function visibleRows(scrollTop: number, viewportHeight: number, rowHeight: number, count: number, overscan = 10): RowWindow {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const shown = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(count - 1, first) - overscan);
  const end = Math.min(count, first + shown + overscan);
  return { start, end: Math.max(start, end) };
}

/**
 * How many rows `visibleRows` draws at most for a viewport: consecutive lines taken modulo this never collide,
 * so it numbers the row elements a view keeps and refills (a line's slot is its index modulo this).
 */
export function rowSlots(viewportHeight: number, rowHeight: number, overscan = 10): number {
  if (rowHeight <= 0) return 1;
  return Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1 + 2 * overscan;
}

/** Whether the view sits at the bottom (within a row), so new lines should keep it there. */
export function isAtBottom(scrollTop: number, viewportHeight: number, scrollHeight: number, rowHeight: number): boolean {
  return scrollHeight - (scrollTop + viewportHeight) <= rowHeight;
}
