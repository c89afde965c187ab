import { describe, expect, it } from 'vitest';
import type { BuildLogLine } from '../../../core/contract/build.js';
import { LogBuffer } from '../../../renderer/src/components/log-panel-model.js';

const line = (text: string, platform?: string): BuildLogLine => ({ stream: 1, text, ...(platform ? { platform } : {}) });

describe('LogBuffer', () => {
  it('keeps lines in order and changes its version on every batch', () => {
    const log = new LogBuffer();
    const v0 = log.version;
    log.append([line('a', 'linux/amd64'), line('b', 'linux/arm64')]);
    log.append([]);
    const v1 = log.version;
    log.append([line('c')]);
    expect(v1).not.toBe(v0);
    expect(log.version).not.toBe(v1);
    expect(log.slice(null, 0, 10).map((l) => l.text)).toEqual(['a', 'b', 'c']);
    expect(log.platforms()).toEqual(['linux/amd64', 'linux/arm64']);
  });

  it('filters one platform together with the lines that belong to no platform, in log order', () => {
    const log = new LogBuffer();
    log.append([line('app 1'), line('amd 1', 'linux/amd64'), line('arm 1', 'linux/arm64'), line('app 2'), line('amd 2', 'linux/amd64')]);
    expect(log.count('linux/amd64')).toBe(4);
    expect(log.slice('linux/amd64', 0, 4).map((l) => l.text)).toEqual(['app 1', 'amd 1', 'app 2', 'amd 2']);
    expect(log.slice('linux/amd64', 1, 3).map((l) => l.text)).toEqual(['amd 1', 'app 2']);
    expect(log.slice('linux/s390x', 0, 10).map((l) => l.text)).toEqual(['app 1', 'app 2']);
    // A later batch is seen by the filtered view too.
    log.append([line('amd 3', 'linux/amd64')]);
    expect(log.slice('linux/amd64', 4, 5).map((l) => l.text)).toEqual(['amd 3']);
  });

  it('takes 100,000 lines in batches of 500 without copying what it holds, and slices the end at once', () => {
    const log = new LogBuffer();
    const started = performance.now();
    for (let b = 0; b < 200; b++) {
      log.append(Array.from({ length: 500 }, (_, i) => line(`line ${b * 500 + i}`, i % 2 ? 'linux/arm64' : 'linux/amd64')));
    }
    const took = performance.now() - started;
    expect(log.length).toBe(100_000);
    expect(log.slice(null, 99_990, 100_000).at(-1)?.text).toBe('line 99999');
    expect(log.slice('linux/arm64', 49_999, 50_000)[0]?.text).toBe('line 99999');
    // Generous: the point is linear work, not a benchmark (copying on every batch would be ~100x slower).
    expect(took).toBeLessThan(2000);
  });

  it('drops the oldest lines past its limit and says how many', () => {
    const log = new LogBuffer(5);
    log.append(['1', '2', '3', '4'].map((t) => line(t, 'linux/amd64')));
    log.append(['5', '6', '7'].map((t) => line(t, t === '6' ? 'linux/arm64' : 'linux/amd64')));
    expect(log.length).toBe(5);
    expect(log.droppedCount).toBe(2);
    expect(log.totalReceived).toBe(7);
    expect(log.slice(null, 0, 5).map((l) => l.text)).toEqual(['3', '4', '5', '6', '7']);
    expect(log.slice('linux/arm64', 0, 5).map((l) => l.text)).toEqual(['6']);
    expect(log.slice('linux/amd64', 0, 5).map((l) => l.text)).toEqual(['3', '4', '5', '7']);
  });

  it('gives its text without colour codes, with the platform in front', () => {
    const log = new LogBuffer();
    log.append([line('\u001b[31mred\u001b[0m', 'linux/arm64'), line('plain')]);
    expect(log.text(null)).toBe('[linux/arm64] red\nplain');
    log.clear();
    expect(log.length).toBe(0);
    expect(log.text(null)).toBe('');
  });
});

describe('LogBuffer past its limit and with a filter, batch after batch', () => {
  it('shows the same lines as a buffer rebuilt from scratch after every batch', () => {
    const limit = 37;
    const log = new LogBuffer(limit);
    const all: BuildLogLine[] = [];
    const platforms = ['linux/amd64', 'linux/arm64', undefined];
    let n = 0;
    for (let b = 0; b < 60; b++) {
      const batch = Array.from({ length: (b * 7) % 23 }, () => {
        const p = platforms[(n * 5 + b) % 3];
        return line(`l${n++}`, p);
      });
      log.append(batch);
      all.push(...batch);
      const kept = all.slice(Math.max(0, all.length - limit));
      expect(log.length).toBe(kept.length);
      expect(log.droppedCount).toBe(all.length - kept.length);
      expect(log.totalReceived).toBe(all.length);
      expect(log.slice(null, 0, limit).map((l) => l.text)).toEqual(kept.map((l) => l.text));
      expect(log.slice(null, 5, 9).map((l) => l.text)).toEqual(kept.slice(5, 9).map((l) => l.text));
      for (const filter of ['linux/amd64', 'linux/arm64']) {
        const view = kept.filter((l) => l.platform === filter || l.platform === undefined);
        expect(log.count(filter)).toBe(view.length);
        expect(log.slice(filter, 0, limit).map((l) => l.text)).toEqual(view.map((l) => l.text));
        expect(log.slice(filter, 2, 6).map((l) => l.text)).toEqual(view.slice(2, 6).map((l) => l.text));
      }
      const firstSeen = [...new Set(all.map((l) => l.platform).filter((p) => p !== undefined))];
      expect(log.platforms()).toEqual(firstSeen.filter((p) => kept.some((l) => l.platform === p)));
    }
  });

  it('forgets a platform whose lines were all dropped', () => {
    const log = new LogBuffer(4);
    log.append([line('a', 'linux/s390x')]);
    log.append(['b', 'c', 'd', 'e'].map((t) => line(t, 'linux/amd64')));
    expect(log.platforms()).toEqual(['linux/amd64']);
    expect(log.count('linux/s390x')).toBe(0);
  });
});
