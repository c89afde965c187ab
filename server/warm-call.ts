/**
 * A call the server starts as soon as it listens, before any page asks for it: every page asks for the Doctor's
 * report first thing, and the report takes longer than loading the page, so browser mode runs the two side by
 * side instead of one after the other (issue 15). The first page's identical call gets that call's answer.
 *
 * It is handed out only while it can only be the same answer as a call made now:
 *  - once, to a call on the same channel with the same input;
 *  - while it runs, or within GRACE_MS after it finished (a page opened later asks afresh);
 *  - only if nothing happened in between that could change it: no call other than the reads a page makes at
 *    boot (READS), no event but the engine status the warm call itself announces;
 *  - only a successful answer: an error is asked again, by the call that wants it.
 * The warm call has its own abort signal: the server aborts it when it closes, and so does the call it was handed
 * to when that call is cancelled, exactly as that call's own dispatch would have been.
 */
import { AppError, serializeError } from '../core/contract/errors.js';
import type { Envelope } from '../core/contract/envelope.js';
import type { EventName } from '../core/contract/events.js';

/** After the warm call finished, how long its answer still stands for a page that asks. */
export const GRACE_MS = 2000;

/** What a page asks at boot besides the warm call: reads, which change nothing the answer depends on. */
export const READS: ReadonlySet<string> = new Set(['app:info', 'tasks:list', 'settings:get', 'engine:last-sweep', 'ui-state:get']);

/** Events that do not mean the machine changed: the engine's reachability is what the warm call itself found out. */
const QUIET_EVENTS: ReadonlySet<EventName> = new Set(['engine:status']);

export interface WarmCallSpec {
  channel: string;
  input: unknown;
}

type Run = (channel: string, input: unknown, signal: AbortSignal) => Promise<Envelope>;

export class WarmCall {
  private readonly controller = new AbortController();
  private readonly key: string;
  private answer: Promise<Envelope> | undefined;
  private settledAt: number | undefined;
  private usable = true;

  constructor(
    private readonly spec: WarmCallSpec,
    private readonly now: () => number = Date.now,
  ) {
    this.key = keyOf(spec.channel, spec.input);
  }

  /** Starts the call (once). Its answer waits here for a page; nothing else sees it. */
  start(run: Run): void {
    if (this.answer || !this.usable) return;
    this.answer = run(this.spec.channel, this.spec.input, this.controller.signal)
      .catch((error: unknown): Envelope => ({ ok: false, error: serializeError(error) }))
      .then((envelope) => {
        this.settledAt = this.now();
        if (!envelope.ok) this.usable = false;
        return envelope;
      });
  }

  /** Tells it a call reached the core; anything but a read (or the warm call's twin) makes its answer stale. */
  noteCall(channel: string, input: unknown): void {
    if (!READS.has(channel) && keyOf(channel, input) !== this.key) this.drop();
  }

  /** Tells it the core emitted an event; one that says the machine changed makes its answer stale. */
  noteEvent(event: EventName): void {
    if (!QUIET_EVENTS.has(event)) this.drop();
  }

  /**
   * The warm answer for this call, or undefined when the call must be dispatched as usual. Handed out once;
   * cancelling `signal` cancels the warm call, whose answer (cancelled) is then this call's.
   */
  claim(channel: string, input: unknown, signal?: AbortSignal): Promise<Envelope> | undefined {
    if (!this.answer || !this.usable || keyOf(channel, input) !== this.key) return undefined;
    if (this.settledAt !== undefined && this.now() - this.settledAt > GRACE_MS) {
      this.drop();
      return undefined;
    }
    this.usable = false;
    const answer = this.answer;
    this.answer = undefined;
    if (signal) {
      const onAbort = () => this.controller.abort(signal.reason ?? new AppError('cancelled', 'The request was cancelled.'));
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        void answer.then(() => signal.removeEventListener('abort', onAbort));
      }
    }
    return answer;
  }

  /** Nobody gets the warm answer any more; a call still running is stopped. */
  drop(): void {
    this.usable = false;
    if (this.answer && this.settledAt === undefined) this.controller.abort(new AppError('cancelled', 'Nobody is waiting for this answer any more.'));
    this.answer = undefined;
  }
}

function keyOf(channel: string, input: unknown): string {
  return `${channel}\n${JSON.stringify(input ?? {})}`;
}
