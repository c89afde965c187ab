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
