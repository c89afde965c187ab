/**
 * Browser mode's warm call (issue 15): the server starts the Doctor's report as soon as it listens, and hands
 * that answer to the first page's identical call, only while it is surely the same answer. First the rules on
 * their own, with a clock of the test's; then through the real server, with a core that is still loading.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { Core } from '../../../core/app.js';
import type { CallContext } from '../../../core/dispatch.js';
import type { Envelope } from '../../../core/contract/envelope.js';
import { EventBus } from '../../../core/events.js';
import { startServer, type RunningServer } from '../../../server/server.js';
import { GRACE_MS, WarmCall } from '../../../server/warm-call.js';

const REPORT = { channel: 'doctor:report', input: {} };

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A warm call whose run the test settles by hand, on a clock the test moves. */
function warmWithHandle() {
  let now = 1_000;
  const answer = deferred<Envelope>();
  const runs: Array<{ channel: string; input: unknown; signal: AbortSignal }> = [];
  const warm = new WarmCall(REPORT, () => now);
  warm.start(async (channel, input, signal) => {
    runs.push({ channel, input, signal });
    return answer.promise;
  });
  return { warm, answer, runs, tick: (ms: number) => (now += ms) };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('WarmCall', () => {
  test('hands its answer once, to the same channel with the same input, while it runs or just after', async () => {
    const { warm, answer, runs } = warmWithHandle();
    expect(runs).toHaveLength(1);
    expect(warm.claim('doctor:report', { other: true })).toBeUndefined();
    expect(warm.claim('app:info', {})).toBeUndefined();
    const claimed = warm.claim('doctor:report', undefined); // no input is the empty input
    expect(claimed).toBeDefined();
    expect(warm.claim('doctor:report', {})).toBeUndefined();
    answer.resolve({ ok: true, result: { n: 1 } });
    await expect(claimed).resolves.toEqual({ ok: true, result: { n: 1 } });
  });

  test('a finished answer stands for GRACE_MS, then a page asks afresh', async () => {
    const a = warmWithHandle();
    a.answer.resolve({ ok: true, result: 1 });
    await flush();
    a.tick(GRACE_MS);
    expect(a.warm.claim('doctor:report', {})).toBeDefined();

    const b = warmWithHandle();
    b.answer.resolve({ ok: true, result: 1 });
    await flush();
    b.tick(GRACE_MS + 1);
    expect(b.warm.claim('doctor:report', {})).toBeUndefined();
  });

  test('reads a page makes at boot leave it usable; any other call makes it stale and stops it', async () => {
    const { warm, runs } = warmWithHandle();
    for (const read of ['app:info', 'tasks:list', 'settings:get', 'engine:last-sweep', 'ui-state:get']) warm.noteCall(read, {});
    warm.noteCall('doctor:report', {});
    expect(runs[0]!.signal.aborted).toBe(false);
    warm.noteCall('settings:update', { registryPort: 5055 });
    expect(runs[0]!.signal.aborted).toBe(true);
    expect(warm.claim('doctor:report', {})).toBeUndefined();
  });

  test('the engine status it announces itself leaves it usable; an event that says the machine changed does not', async () => {
    const a = warmWithHandle();
    a.warm.noteEvent('engine:status');
    expect(a.warm.claim('doctor:report', {})).toBeDefined();
    for (const event of ['engine:changed', 'task:update', 'engine:swept'] as const) {
      const b = warmWithHandle();
      b.warm.noteEvent(event);
      expect(b.warm.claim('doctor:report', {}), event).toBeUndefined();
    }
  });

  test('an error is not handed out: the page asks again', async () => {
    const { warm, answer } = warmWithHandle();
    answer.resolve({ ok: false, error: { code: 'internal', message: 'boom' } });
    await flush();
    expect(warm.claim('doctor:report', {})).toBeUndefined();
  });

  test('cancelling the call it was handed to cancels it, as that call’s own dispatch would be', async () => {
    const { warm, answer, runs } = warmWithHandle();
    const controller = new AbortController();
    const claimed = warm.claim('doctor:report', {}, controller.signal);
    expect(claimed).toBeDefined();
    controller.abort();
    expect(runs[0]!.signal.aborted).toBe(true);
    answer.resolve({ ok: false, error: { code: 'cancelled', message: 'The Doctor was cancelled.' } });
    await expect(claimed).resolves.toMatchObject({ ok: false, error: { code: 'cancelled' } });
  });

  test('drop() stops a running call and nobody gets it', () => {
    const { warm, runs } = warmWithHandle();
    warm.drop();
    expect(runs[0]!.signal.aborted).toBe(true);
    expect(warm.claim('doctor:report', {})).toBeUndefined();
  });
});

describe('the server with a warm call', () => {
  let running: RunningServer | undefined;
  let root: string | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** A core with a dispatch the test watches; `report` settles the Doctor calls. */
  function fakeCore() {
    const calls: Array<{ channel: string; ctx: CallContext | undefined }> = [];
    const reports: Array<Deferred<Envelope>> = [];
    const events = new EventBus();
    const core = {
      events,
      dispatch: async (channel: string, _input: unknown, ctx?: CallContext): Promise<Envelope> => {
        calls.push({ channel, ctx });
        if (channel === 'doctor:report') {
          const d = deferred<Envelope>();
          reports.push(d);
          return d.promise;
        }
        return { ok: true, result: channel };
      },
    } as unknown as Core;
    return { core, calls, reports, events };
  }

  async function start(core: Core | Promise<Core>) {
    root = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-warm-'));
    await mkdir(path.join(root, 'site'));
    await writeFile(path.join(root, 'site', 'index.html'), '<!doctype html><title>t</title>\n');
    running = await startServer({ core, port: 0, staticDir: path.join(root, 'site'), warmCall: REPORT });
    return running;
  }

  function connect(server: RunningServer) {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    const results = new Map<string, Deferred<Envelope>>();
    const result = (id: string) => {
      let d = results.get(id);
      if (!d) results.set(id, (d = deferred()));
      return d.promise;
    };
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; id?: string; envelope?: Envelope };
      if (m.type === 'result' && m.id) {
        result(m.id);
        results.get(m.id)!.resolve(m.envelope!);
      }
    });
    const opened = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const invoke = async (id: string, channel: string, input: unknown = {}) => {
      await opened;
      ws.send(JSON.stringify({ type: 'invoke', id, channel, input }));
      return result(id);
    };
    return { ws, invoke };
  }

  test('listens and serves the page while the core still loads; calls made meanwhile are answered once it is there', async () => {
    const fake = fakeCore();
    const loading = deferred<Core>();
    const server = await start(loading.promise);
    const page = await fetch(`http://127.0.0.1:${server.port}/?token=${server.token}`, { redirect: 'manual' });
    expect(page.status).toBe(303);

    const client = connect(server);
    const info = client.invoke('c-1', 'app:info');
    const report = client.invoke('c-2', 'doctor:report');
    await flush();
    expect(fake.calls).toHaveLength(0);

    loading.resolve(fake.core);
    await expect(info).resolves.toEqual({ ok: true, result: 'app:info' });
    // the server's own warm call, started first, is the only Doctor run: the page's call got its answer
    expect(fake.calls.map((c) => c.channel)).toEqual(['doctor:report', 'app:info']);
    fake.reports[0]!.resolve({ ok: true, result: { warm: true } });
    await expect(report).resolves.toEqual({ ok: true, result: { warm: true } });

    // the next report is asked afresh
    const again = client.invoke('c-3', 'doctor:report');
    await flush();
    await flush();
    expect(fake.calls.map((c) => c.channel)).toEqual(['doctor:report', 'app:info', 'doctor:report']);
    fake.reports[1]!.resolve({ ok: true, result: { warm: false } });
    await expect(again).resolves.toEqual({ ok: true, result: { warm: false } });
    client.ws.close();
  });

  test('a call that may change the machine before the page asks means the page’s report is its own', async () => {
    const fake = fakeCore();
    const server = await start(fake.core);
    await flush();
    expect(fake.calls.map((c) => c.channel)).toEqual(['doctor:report']);
    const client = connect(server);
    await client.invoke('c-1', 'settings:update', { registryPort: 5055 });
    expect(fake.calls[0]!.ctx?.signal?.aborted).toBe(true);
    const report = client.invoke('c-2', 'doctor:report');
    await flush();
    await flush();
    expect(fake.calls.map((c) => c.channel)).toEqual(['doctor:report', 'settings:update', 'doctor:report']);
    fake.reports[1]!.resolve({ ok: true, result: { fresh: true } });
    await expect(report).resolves.toEqual({ ok: true, result: { fresh: true } });
    client.ws.close();
  });

  test('closing the server stops a warm call nobody claimed', async () => {
    const fake = fakeCore();
    const server = await start(fake.core);
    await flush();
    expect(fake.calls[0]!.ctx?.signal?.aborted).toBe(false);
    await server.close();
    running = undefined;
    expect(fake.calls[0]!.ctx?.signal?.aborted).toBe(true);
  });
});
