/**
 * A build log that stays smooth with 100,000 lines: rows have one fixed height, and only the rows on screen
 * (plus a few either side) exist in the page. It follows the newest line while scrolled to the bottom, and
 * stops following as soon as the user scrolls up. Positions are set through the CSSOM (element.style), which
 * the app's Content Security Policy allows, never through injected <style> elements, which it refuses.
 */
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { ArrowDownToLine, Copy, Download } from 'lucide-react';
import type { BuildLogLine } from '../../../core/contract/build.js';
import { isAtBottom, parseAnsi, rowSlots, visibleRows, type LogView } from './log-panel-model.js';
import '../styles/build-runs.css';

/** Matches `.log-row` in build-runs.css. */
export const LOG_ROW_HEIGHT = 18;

// The same elements on every draw, so the toolbar's icons are not rebuilt each frame while lines stream in.
const followIcon = <ArrowDownToLine aria-hidden="true" size={13} />;
const copyIcon = <Copy aria-hidden="true" size={13} />;
const saveIcon = <Download aria-hidden="true" size={13} />;

export function shortPlatform(platform: string): string {
  return platform.replace(/^linux\//, '');
}

export function downloadText(fileName: string, text: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has its own reference by now; the URL is only needed for the click.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

interface Props {
  buffer: LogView;
  /** Changes whenever lines arrive (the buffer itself is the same object). */
  version: number;
  label: string;
  /** A file name for Save, e.g. build-hello-1.log. */
  fileName: string;
  emptyText: string;
  testId?: string;
}

/**
 * Lines arrive in many small batches (a build sends one `build:log` event per batch, each its own task); drawing
 * after each one would redo the rows and the scroll position hundreds of times a second. The panel takes the
 * newest version at most once per animation frame, so appending costs the same at line 100 and at line 100,000:
 * a buffer push per batch, and one draw of the rows on screen per frame.
 */
export function LogPanel(props: Props) {
  const latest = useRef(props.version);
  const [shown, setShown] = useState(props.version);
  const pending = useRef<number | null>(null);
  useEffect(() => {
    latest.current = props.version;
    if (props.version === shown || pending.current !== null) return;
    pending.current = requestAnimationFrame(() => {
      pending.current = null;
      setShown(latest.current);
    });
  }, [props.version, shown]);
  useEffect(
    () => () => {
      if (pending.current !== null) cancelAnimationFrame(pending.current);
    },
    [],
  );
  // A cleared buffer (a new build) shows at once rather than a frame later with stale rows.
  const version = props.buffer.length === 0 ? props.version : shown;
  return <LogPanelView {...props} version={version} />;
}

const LogPanelView = memo(function LogPanelView({ buffer, version, label, fileName, emptyText, testId }: Props) {
  const viewport = useRef<HTMLDivElement>(null);
  const [filter, setFilter] = useState<string | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(320);
  const [follow, setFollow] = useState(true);
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  const frame = useRef<number | null>(null);

  // `version` is what tells us the buffer changed: the buffer object itself never does.
  const count = useMemo(() => (version >= 0 ? buffer.count(filter) : 0), [buffer, filter, version]);
  const platforms = useMemo(() => (version >= 0 ? buffer.platforms() : []), [buffer, version]);
  // While following, the rows drawn are the newest ones in the same render that adds them: waiting for the scroll
  // event of the jump to the bottom would draw rows above the view first (a blank frame) and draw again after.
  const top = follow ? Math.max(0, count * LOG_ROW_HEIGHT - height) : scrollTop;
  const window_ = visibleRows(top, height, LOG_ROW_HEIGHT, count);
  const slots = rowSlots(height, LOG_ROW_HEIGHT);
  const rows = useMemo(() => (version >= 0 ? buffer.slice(filter, window_.start, window_.end) : []), [buffer, filter, window_.start, window_.end, version]);

  useEffect(() => {
    const el = viewport.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    },
    [],
  );

  // New lines while following: stay on the newest one (the browser stops the scroll at the bottom; the height is
  // known from the row count, so nothing is read back from the page before the frame is drawn).
  useLayoutEffect(() => {
    const el = viewport.current;
    if (el && follow) el.scrollTop = count * LOG_ROW_HEIGHT;
  }, [count, follow]);

  const onScroll = useCallback(() => {
    if (frame.current !== null) return;
    // One state update per frame, however many scroll events arrive.
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      const el = viewport.current;
      if (!el) return;
      setScrollTop(el.scrollTop);
      setFollow(isAtBottom(el.scrollTop, el.clientHeight, el.scrollHeight, LOG_ROW_HEIGHT));
    });
  }, []);

  // Home/End jump at once: the browser's own smooth scroll over a million-pixel list can take long enough to feel broken.
  const onKeyDown = useCallback((event: KeyboardEvent<HTMLDivElement>) => {
    const el = viewport.current;
    if (!el || (event.key !== 'Home' && event.key !== 'End')) return;
    event.preventDefault();
    el.scrollTop = event.key === 'Home' ? 0 : el.scrollHeight;
    setScrollTop(el.scrollTop);
    setFollow(event.key === 'End');
  }, []);

  const copyAll = async () => {
    try {
      const text = buffer.text(filter);
      // a log the server keeps is read from it first: the clipboard item takes the promise, so the click's
      // permission to write holds while it arrives
      if (typeof text === 'string') await navigator.clipboard.writeText(text);
      else await navigator.clipboard.write([new ClipboardItem({ 'text/plain': text.then((t) => new Blob([t], { type: 'text/plain' })) })]);
      setCopied('copied');
    } catch {
      setCopied('failed');
    }
    setTimeout(() => setCopied('idle'), 1800);
  };

  const dropped = buffer.droppedCount;
  const filterId = `${testId ?? 'log'}-filter`;
  return (
    <div className="log-panel" data-testid={testId}>
      <div className="log-toolbar">
        <label htmlFor={filterId} className="small muted">
          Show
        </label>
        <select id={filterId} value={filter ?? ''} onChange={(e) => setFilter(e.target.value || null)} className="log-select">
          <option value="">every platform</option>
          {platforms.map((p) => (
            <option key={p} value={p}>
              {p} only
            </option>
          ))}
        </select>
        <span className="small muted" data-testid={testId ? `${testId}-count` : undefined} aria-live="off">
          {count.toLocaleString('en-US')} {count === 1 ? 'line' : 'lines'}
          {dropped > 0 ? ` (the first ${dropped.toLocaleString('en-US')} were dropped to save memory)` : ''}
        </span>
        {buffer.problem ? (
          <span className="small log-problem" role="status" data-testid={testId ? `${testId}-problem` : undefined}>
            {buffer.problem}
          </span>
        ) : null}
        <span className="log-toolbar-spacer" />
        {!follow && count > 0 ? (
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setFollow(true);
              const el = viewport.current;
              if (el) el.scrollTop = el.scrollHeight;
            }}
          >
            {followIcon}
            Follow newest
          </button>
        ) : null}
        <button type="button" className="link-button" onClick={() => void copyAll()} disabled={count === 0}>
          {copyIcon}
          {copied === 'copied' ? 'Copied' : copied === 'failed' ? 'Copy refused' : 'Copy'}
        </button>
        <button type="button" className="link-button" onClick={() => void Promise.resolve(buffer.text(filter)).then((text) => downloadText(fileName, text))} disabled={count === 0}>
          {saveIcon}
          Save
        </button>
      </div>
      <div
        ref={viewport}
        className="log-viewport"
        onScroll={onScroll}
        onKeyDown={onKeyDown}
        tabIndex={0}
        role="region"
        aria-label={`${label}: ${count} lines. Use the arrow and page keys to scroll.`}
        data-testid={testId ? `${testId}-viewport` : undefined}
      >
        {count === 0 ? (
          <p className="log-empty muted">{emptyText}</p>
        ) : (
          <div className="log-spacer" style={{ height: count * LOG_ROW_HEIGHT }}>
            <div className="log-rows" style={{ transform: `translateY(${window_.start * LOG_ROW_HEIGHT}px)` }}>
              {rows.map((line, i) => (
                // A row element is kept for its slot, not its line: a row scrolled out is reused for the one
                // scrolled in, and when new lines replace every row on screen the rows are refilled, not rebuilt.
                line ? (
                  <LogRow key={(window_.start + i) % slots} line={line} number={window_.start + i + 1} />
                ) : (
                  // a row of a log the server keeps, on its way (RemoteLog): its place, without a line number yet
                  <div key={(window_.start + i) % slots} className="log-row log-row-loading" aria-hidden="true" />
                )
              ))}
            </div>
          </div>
        )}
      </div>
    </div>
  );
});

/** Rows already laid out are left alone: only rows whose line or number changed render again. */
const LogRow = memo(function LogRow({ line, number }: { line: BuildLogLine; number: number }) {
  const spans = parseAnsi(line.text);
  return (
    <div className={`log-row log-stream-${line.stream}`} data-line={number}>
      <span className="log-number" aria-hidden="true">
        {number}
      </span>
      {line.platform ? (
        <span className="log-platform">{shortPlatform(line.platform)}</span>
      ) : (
        <span className="log-platform log-platform-none">{line.stream === 0 ? 'app' : 'build'}</span>
      )}
      <span className="log-text">
        {spans.length === 1 && spans[0]!.fg === undefined && !spans[0]!.bold
          ? spans[0]!.text
          : spans.map((s, i) => (
              <span key={i} className={[s.fg !== undefined ? `ansi-${s.fg}` : '', s.bold ? 'ansi-bold' : ''].filter(Boolean).join(' ') || undefined}>
                {s.text}
              </span>
            ))}
      </span>
    </div>
  );
});
