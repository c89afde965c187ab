/**
 * Watches the engine's event stream so views refetch when something changes (a container stops, a
 * volume goes away) instead of polling. Bursts are folded into a few `engine:changed` events. When the
 * engine goes away the stream ends: the watch says so on `engine:status`, looks for the engine again
 * with backoff, and announces the reconnection so every view refetches.
 */
import type Docker from 'dockerode';
import type { EngineStatusEvent } from '../contract/events.js';
import type { EventBus } from '../events.js';
import type { EngineAccess } from './engine.js';

export interface EngineWatchOptions {
  engine: EngineAccess;
  events: EventBus;
  /** Quiet time that ends a burst. */
  debounceMs?: number;
  /** A burst never waits longer than this before it is reported. */
  maxWaitMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export const WATCHED_TYPES = ['container', 'volume', 'image'] as const;

/** Actions that change nothing a view shows (exec and attach chatter, health probes). */
const IGNORED_ACTION = /^(exec_|attach|detach|resize|top|export|health_status|copy|archive-path|extract-to-dir)/;

export interface EngineEventRecord {
  type: string;
  action: string;
  name?: string;
}

/** One event from the engine's JSON stream, reduced to what views need; null for noise. */
export function summarizeEngineEvent(raw: unknown): EngineEventRecord | null {
  if (!raw || typeof raw !== 'object') return null;
  const e = raw as { Type?: unknown; Action?: unknown; Actor?: { ID?: unknown; Attributes?: Record<string, unknown> }; status?: unknown; id?: unknown };
  const type = typeof e.Type === 'string' ? e.Type : '';
  const action = typeof e.Action === 'string' ? e.Action : typeof e.status === 'string' ? e.status : '';
  if (!type || !action || IGNORED_ACTION.test(action)) return null;
  const attrs = e.Actor?.Attributes ?? {};
  const name = typeof attrs.name === 'string' ? attrs.name : typeof e.Actor?.ID === 'string' ? e.Actor.ID : undefined;
  return name ? { type, action, name } : { type, action };
}

/** Splits newline-delimited JSON arriving in arbitrary chunks. */
export class JsonLineSplitter {
  private rest = '';

  push(chunk: string): unknown[] {
    this.rest += chunk;
    const lines = this.rest.split('\n');
    this.rest = lines.pop() ?? '';
    const out: unknown[] = [];
    for (const line of lines) {
      const text = line.trim();
      if (!text) continue;
      try {
        out.push(JSON.parse(text));
      } catch {
        // a torn or foreign line: skip it rather than stop watching
      }
    }
    return out;
  }
}

export class EngineWatch {
  private readonly engine: EngineAccess;
  private readonly events: EventBus;
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private running = false;
  private controller: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private stream: NodeJS.ReadableStream | undefined;
  private lastStatus: boolean | undefined;
  private offStatus: (() => void) | undefined;
  private pending = new Map<string, EngineEventRecord>();
  private flushTimer: NodeJS.Timeout | undefined;
  private burstStarted = 0;

  constructor(opts: EngineWatchOptions) {
    this.engine = opts.engine;
    this.events = opts.events;
    this.debounceMs = opts.debounceMs ?? 250;
    this.maxWaitMs = opts.maxWaitMs ?? 1000;
    this.minBackoffMs = opts.minBackoffMs ?? 500;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
  }

  get started(): boolean {
    return this.running;
  }

  /** Starts watching; calling it again does nothing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.controller = new AbortController();
    // EngineAccess reports its own transitions; knowing the last one keeps ours from repeating it
    this.offStatus = this.events.on('engine:status', (s) => {
      this.lastStatus = s.reachable;
    });
    this.loop = this.run(this.controller.signal);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.controller?.abort();
    (this.stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.pending.clear();
    this.offStatus?.();
    await this.loop?.catch(() => undefined);
    this.loop = undefined;
  }

  private emitStatus(status: EngineStatusEvent): void {
    if (this.lastStatus === status.reachable) return;
    this.events.emit('engine:status', status);
  }

  private async run(signal: AbortSignal): Promise<void> {
    let backoff = this.minBackoffMs;
    let lostBefore = false;
    while (this.running) {
      let connectedOnce = false;
      try {
        const connection = await this.engine.connect(signal);
        const options: Docker.GetEventsOptions & { abortSignal: AbortSignal } = { filters: { type: [...WATCHED_TYPES] }, abortSignal: signal };
        const stream = await connection.docker.getEvents(options);
        this.stream = stream;
        connectedOnce = true;
        backoff = this.minBackoffMs;
        if (lostBefore) {
          this.emitStatus({ reachable: true, endpoint: connection.endpoint });
          // whatever happened while we were away is unknown: every view refetches
          this.queue({ type: 'engine', action: 'reconnected' });
          lostBefore = false;
        }
        await this.consume(stream);
      } catch {
        // handled below: the engine is looked for again
      }
      this.stream = undefined;
      if (!this.running) break;
      lostBefore = true;
      this.engine.invalidate();
      try {
        const found = await this.engine.discover(signal);
        if (!found.connection) this.emitStatus({ reachable: false, message: 'The Docker engine stopped answering; Multiarch Lab keeps trying to reconnect.' });
      } catch {
        if (!this.running) break;
      }
      // even when the engine answers again at once, a short pause keeps a flapping stream from spinning
      await this.pause(connectedOnce ? this.minBackoffMs : backoff, signal);
      if (!connectedOnce) backoff = Math.min(backoff * 2, this.maxBackoffMs);
    }
  }

  private pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Resolves when the stream ends for any reason. */
  private consume(stream: NodeJS.ReadableStream): Promise<void> {
    return new Promise((resolve) => {
      const splitter = new JsonLineSplitter();
      const finish = () => {
        stream.removeListener('data', onData);
        resolve();
      };
      const onData = (chunk: Buffer | string) => {
        for (const raw of splitter.push(chunk.toString())) {
          const record = summarizeEngineEvent(raw);
          if (record) this.queue(record);
        }
      };
      stream.on('data', onData);
      stream.once('end', finish);
      stream.once('close', finish);
      stream.once('error', finish);
    });
  }

  private queue(record: EngineEventRecord): void {
    // one event per type and name in a burst: views refetch per kind of thing anyway
    this.pending.set(`${record.type}\u0000${record.name ?? ''}`, record);
    const now = Date.now();
    if (!this.flushTimer) this.burstStarted = now;
    else clearTimeout(this.flushTimer);
    const wait = Math.max(0, Math.min(this.debounceMs, this.burstStarted + this.maxWaitMs - now));
    this.flushTimer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.flushTimer = undefined;
    const batch = [...this.pending.values()];
    this.pending.clear();
    for (const record of batch) this.events.emit('engine:changed', record);
  }
}
