import { describe, expect, it } from 'vitest';
import type { BuildLogLine } from '../../../core/contract/build.js';
import { unpackLogLines } from '../../../core/contract/log-wire.js';
import { ServerLogs } from '../../../server/log-store.js';
import { EventBatcher, type ServerMessage } from '../../../server/protocol.js';
import { RemoteLog } from '../../../renderer/src/components/remote-log.js';
import type { LogRangeAnswer } from '../../../renderer/src/api/types.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));
const lines = (from: number, count: number, platform?: string): BuildLogLine[] =>
  Array.from({ length: count }, (_, i) => (platform ? { platform, stream: 1 as const, text: `line ${from + i}` } : { stream: 0 as const, text: `line ${from + i}` }));

/** The server's side and the page's side joined as the WebSocket joins them (answers unpacked as the client does). */
function wired(logs: ServerLogs) {
  let calls = 0;
  const log = new RemoteLog(async (taskId, filter, start, end) => {
    calls++;
    const { packed, ...rest } = logs.range({ taskId, filter, start, end });
    return { ...rest, lines: unpackLogLines(packed)! } satisfies LogRangeAnswer;
  });
  const sent: string[] = [];
  const batcher = new EventBatcher((text) => {
    sent.push(text);
    const m = JSON.parse(text) as ServerMessage;
    for (const e of m.type === 'events' ? m.events : m.type === 'event' ? [m] : []) {
      if (e.event === 'build:log' && 'tail' in e) {
        const { packed, ...state } = e.tail;
        log.apply(state, unpackLogLines(packed)!);
      }
    }
  }, logs);
  const emit = (taskId: string, batch: BuildLogLine[]) => {
    logs.note('build:log', { taskId, lines: batch });
    batcher.push({ event: 'build:log', payload: { taskId, lines: batch } });
  };
  return { log, sent, emit, batcher, calls: () => calls };
}

async function settle(log: RemoteLog, read: () => unknown[]): Promise<void> {
  for (let i = 0; i < 50 && read().some((l) => l === undefined); i++) await tick();
  void log;
}

describe('a build log the server keeps, read through RemoteLog', () => {
  it('a tick of 100,000 lines goes out as one small update: the count and the newest lines', async () => {
    const { log, sent, emit } = wired(new ServerLogs());
    for (let i = 0; i < 200; i++) emit('t1', lines(i * 500, 500, 'linux/amd64'));
    await tick();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.length).toBeLessThan(20_000);
    expect(log.length).toBe(100_000);
    expect(log.slice(null, 99_990, 100_000).map((l) => l?.text)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${99_990 + i}`));
  });

  it('fetches rows it does not hold, once per chunk, and then shows them', async () => {
    const w = wired(new ServerLogs());
    w.emit('t1', lines(0, 5000, 'linux/arm64'));
    await tick();
    expect(w.log.slice(null, 10, 12)).toEqual([undefined, undefined]);
    w.log.slice(null, 10, 12);
    expect(w.calls()).toBe(1);
    await settle(w.log, () => w.log.slice(null, 10, 12));
    expect(w.log.slice(null, 10, 12).map((l) => l?.text)).toEqual(['line 10', 'line 11']);
  });

  it('a filter counts and shows every line of its platform and the lines of none, fetched from the server', async () => {
    const w = wired(new ServerLogs());
    w.emit('t1', [...lines(0, 3, 'linux/amd64'), ...lines(3, 1), ...lines(4, 3000, 'linux/arm64'), ...lines(3004, 2, 'linux/amd64')]);
    await tick();
    expect(w.log.platforms()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(w.log.count('linux/amd64')).toBe(6);
    await settle(w.log, () => w.log.slice('linux/amd64', 0, 6));
    expect(w.log.slice('linux/amd64', 0, 6).map((l) => l?.text)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 3004', 'line 3005']);
    expect(await w.log.text('linux/amd64')).toBe('[linux/amd64] line 0\n[linux/amd64] line 1\n[linux/amd64] line 2\nline 3\n[linux/amd64] line 3004\n[linux/amd64] line 3005');
  });

  it('past the limit the oldest lines are dropped and counted, and row numbers follow', async () => {
    const w = wired(new ServerLogs(8, 1000));
    w.emit('t1', lines(0, 1500, 'linux/amd64'));
    await tick();
    expect(w.log.droppedCount).toBe(500);
    expect(w.log.length).toBe(1000);
    await settle(w.log, () => w.log.slice(null, 0, 2));
    expect(w.log.slice(null, 0, 2).map((l) => l?.text)).toEqual(['line 500', 'line 501']);
    expect((await w.log.text(null)).split('\n')).toHaveLength(1000);
  });

  it('a new build clears it, and answers for the old one are dropped', async () => {
    const w = wired(new ServerLogs());
    w.emit('t1', lines(1000, 2000));
    await tick();
    // asked for, and still on its way when the next build starts
    w.log.slice(null, 0, 5);
    w.log.clear();
    expect(w.log.length).toBe(0);
    w.emit('t2', lines(0, 3));
    await tick();
    await tick();
    expect(w.log.slice(null, 0, 3).map((l) => l?.text)).toEqual(['line 0', 'line 1', 'line 2']);
    expect(w.log.length).toBe(3);
  });

  it('says so when the server no longer holds the log, instead of leaving rows empty without a word', async () => {
    const logs = new ServerLogs(1);
    const w = wired(logs);
    w.emit('t1', lines(0, 2000));
    await tick();
    // another build's log (another window's) takes the only place
    logs.note('build:log', { taskId: 't2', lines: lines(0, 1) });
    expect(w.log.slice(null, 0, 1)).toEqual([undefined]);
    for (let i = 0; i < 5 && !w.log.problem; i++) await tick();
    expect(w.log.problem).toMatch(/no longer holds this build/);
  });
});
