import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../core/contract/index.js';
import { unpackLogLines } from '../../../core/contract/log-wire.js';
import { EventBatcher, type ServerMessage, type WireEventEnvelope } from '../../../server/protocol.js';
import { createWsClient, type SocketLike } from '../../../renderer/src/api/ws-client.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));
const logEvent = (taskId: string, from: number, count: number): EventEnvelope => ({
  event: 'build:log',
  payload: { taskId, lines: Array.from({ length: count }, (_, i) => ({ stream: 1 as const, text: `line ${from + i}` })) },
});
const taskEvent = (id: string): EventEnvelope => ({ event: 'engine:changed', payload: { type: 'container', action: 'start', name: id } });

/** An event as the core emitted it, from its wire form (what the renderer's client does). */
function unwire(e: WireEventEnvelope): EventEnvelope {
  if (e.event !== 'build:log') return e;
  if (!('packed' in e)) throw new Error('a log tail, where lines were expected');
  const { taskId, ...packed } = e.packed;
  return { event: 'build:log', payload: { taskId, lines: unpackLogLines(packed)! } };
}

type Frame = ({ type: 'event' } & EventEnvelope) | { type: 'events'; events: EventEnvelope[] };

/** Frames as sent (`texts`) and with their events as the core emitted them (`frames`). */
function recorder() {
  const frames: Frame[] = [];
  const texts: string[] = [];
  const batcher = new EventBatcher((text) => {
    texts.push(text);
    const m = JSON.parse(text) as ServerMessage;
    if (m.type === 'events') frames.push({ type: 'events', events: m.events.map(unwire) });
    else if (m.type === 'event') frames.push({ type: 'event', ...unwire(m) });
  });
  return { frames, texts, batcher };
}

describe('EventBatcher', () => {
  it('sends what one tick emitted as one frame, in order, with consecutive log events of a task joined', async () => {
    const { frames, batcher } = recorder();
    batcher.push(logEvent('t1', 0, 2));
    batcher.push(logEvent('t1', 2, 3));
    batcher.push(taskEvent('a'));
    batcher.push(logEvent('t1', 5, 1));
    batcher.push(logEvent('t2', 0, 1));
    expect(frames).toEqual([]);
    await tick();
    expect(frames).toEqual([{ type: 'events', events: [logEvent('t1', 0, 5), taskEvent('a'), logEvent('t1', 5, 1), logEvent('t2', 0, 1)] }]);
  });

  it('sends a lone event in the one-event shape, and a flush (before a result) sends what is queued at once', async () => {
    const { frames, batcher } = recorder();
    batcher.push(taskEvent('a'));
    batcher.flush();
    expect(frames).toEqual([{ type: 'event', ...taskEvent('a') }]);
    await tick();
    expect(frames).toHaveLength(1);
  });

  it('does not change the lines array the emitter handed over', async () => {
    const { batcher } = recorder();
    const first = logEvent('t1', 0, 2);
    batcher.push(first);
    batcher.push(logEvent('t1', 2, 2));
    await tick();
    expect(first.event === 'build:log' && first.payload.lines.length).toBe(2);
  });

  it('splits a burst into frames of a few hundred kilobytes, every line kept in order', async () => {
    const { frames, texts, batcher } = recorder();
    for (let i = 0; i < 200; i++) batcher.push(logEvent('t1', i * 500, 500));
    await tick();
    expect(frames.length).toBeGreaterThan(1);
    expect(Math.max(...texts.map((t) => t.length))).toBeLessThan(400_000);
    const lines = frames.flatMap((f) => (f.type === 'event' ? [f] : f.events)).flatMap((e) => (e.event === 'build:log' ? e.payload.lines : []));
    expect(lines).toHaveLength(100_000);
    expect(lines.every((l, i) => l.text === `line ${i}`)).toBe(true);
  });

  it('sends log lines packed: each kind of line once, then an index and the text per line', async () => {
    const { texts, batcher } = recorder();
    const lines = Array.from({ length: 1000 }, (_, i) => ({ platform: 'linux/arm64', step: `RUN make step-${i % 4}`, stream: 1 as const, text: `compiling module-${i}.c` }));
    batcher.push({ event: 'build:log', payload: { taskId: 't1', lines } });
    await tick();
    expect(texts).toHaveLength(1);
    const sent = JSON.parse(texts[0]!) as ServerMessage;
    expect(sent.type === 'event' && sent.event === 'build:log' && 'packed' in sent && sent.packed.kinds).toEqual([0, 1, 2, 3].map((n) => ['linux/arm64', `RUN make step-${n}`, 1]));
    // about the text and a few characters a line, where objects carried the platform and step on every line
    expect(texts[0]!.length).toBeLessThan(lines.reduce((n, l) => n + l.text.length + 8, 200));
    expect(texts[0]!.length * 2).toBeLessThan(JSON.stringify({ type: 'event', event: 'build:log', payload: { taskId: 't1', lines } }).length);
  });

  it('the WebSocket client hands every event of a batched frame to its listeners, in order', async () => {
    const { texts, batcher } = recorder();
    const socket: SocketLike & { readyState: number } = { readyState: 1, send: () => undefined, close: () => undefined, onopen: null, onclose: null, onerror: null, onmessage: null };
    const api = createWsClient({ url: 'ws://127.0.0.1:1/ws', createSocket: () => socket });
    socket.onopen?.({});
    const seen: string[] = [];
    api.on('build:log', (e) => seen.push(...e.lines.map((l) => l.text)));
    api.on('engine:changed', (e) => seen.push(`changed ${e.name}`));
    batcher.push(logEvent('t1', 0, 2));
    batcher.push(taskEvent('a'));
    batcher.push(logEvent('t1', 2, 1));
    await tick();
    batcher.push(taskEvent('b'));
    await tick();
    for (const data of texts) socket.onmessage?.({ data });
    expect(seen).toEqual(['line 0', 'line 1', 'changed a', 'line 2', 'changed b']);
    api.close();
  });
});
