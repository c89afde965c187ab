import { describe, expect, it } from 'vitest';
import { isAtBottom, parseAnsi, rowSlots, stripAnsi, visibleRows } from '../../../renderer/src/components/log-panel-model.js';

describe('ANSI colour codes', () => {
  it.each([
    ['plain text', [{ text: 'plain text' }]],
    ['\u001b[32mok\u001b[0m done', [{ text: 'ok', fg: 2 }, { text: ' done' }]],
    ['\u001b[1;31mERROR\u001b[22m still red\u001b[39m default', [{ text: 'ERROR', fg: 1, bold: true }, { text: ' still red', fg: 1 }, { text: ' default' }]],
    ['\u001b[91mbright\u001b[m', [{ text: 'bright', fg: 9 }]],
    // 256 colours and true colour are not approximated: the text stays, the parameters do not leak into it.
    ['\u001b[38;5;208morange\u001b[0m', [{ text: 'orange' }]],
    ['\u001b[38;2;10;20;30mrgb\u001b[0m', [{ text: 'rgb' }]],
  ])('%j becomes spans', (input, spans) => {
    expect(parseAnsi(input)).toEqual(spans);
  });

  it('drops cursor moves, titles and other control characters', () => {
    expect(parseAnsi('\u001b[2K\u001b[1Gcleared\u0007')).toEqual([{ text: 'cleared' }]);
    expect(stripAnsi('\u001b]0;title\u0007after\u0008')).toBe('after');
  });

  it('shows the last version of a line rewritten with carriage returns', () => {
    expect(parseAnsi('10%\r50%\r100%')).toEqual([{ text: '100%' }]);
    expect(parseAnsi('windows line\r')).toEqual([{ text: 'windows line' }]);
  });
});

describe('the rows a log panel draws', () => {
  it('draws the rows in view plus a few either side, never past the ends', () => {
    expect(visibleRows(0, 180, 18, 100_000, 5)).toEqual({ start: 0, end: 16 });
    expect(visibleRows(18 * 50_000, 180, 18, 100_000, 5)).toEqual({ start: 49_995, end: 50_016 });
    expect(visibleRows(18 * 99_990, 180, 18, 100_000, 5)).toEqual({ start: 99_985, end: 100_000 });
  });

  it('stays small however long the log is', () => {
    for (const count of [10, 1000, 100_000, 1_000_000]) {
      const w = visibleRows(count * 9, 320, 18, count);
      expect(w.end - w.start).toBeLessThanOrEqual(Math.ceil(320 / 18) + 1 + 20);
    }
  });

  it('handles empty logs and scroll positions past the end (a log that just shrank)', () => {
    expect(visibleRows(0, 320, 18, 0)).toEqual({ start: 0, end: 0 });
    const w = visibleRows(18 * 5000, 320, 18, 100, 10);
    expect(w.start).toBeLessThan(100);
    expect(w.end).toBe(100);
  });

  it('numbers row elements so that no two rows drawn at once share one, wherever the view is', () => {
    for (const height of [0, 100, 320, 861]) {
      const slots = rowSlots(height, 18);
      for (const top of [0, 7, 18 * 333 + 5, 18 * 99_000]) {
        const w = visibleRows(top, height, 18, 100_000);
        const keys = new Set(Array.from({ length: w.end - w.start }, (_, i) => (w.start + i) % slots));
        expect(keys.size).toBe(w.end - w.start);
      }
    }
  });

  it('knows when the view sits at the bottom', () => {
    expect(isAtBottom(1000 - 320, 320, 1000, 18)).toBe(true);
    expect(isAtBottom(1000 - 320 - 10, 320, 1000, 18)).toBe(true);
    expect(isAtBottom(0, 320, 1000, 18)).toBe(false);
  });
});
