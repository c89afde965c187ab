import { describe, expect, it } from 'vitest';
import type { BuildLogLine } from '../../../core/contract/build.js';
import { packLogLines, unpackLogLines } from '../../../core/contract/log-wire.js';

describe('packed log lines (browser mode wire form)', () => {
  it('come back as the core emitted them: platform and step only where they were, every stream, in order', () => {
    const lines: BuildLogLine[] = [
      { stream: 0, text: 'Building for 3 platforms' },
      { platform: 'linux/amd64', step: 'RUN make', stream: 1, text: 'cc -o hello hello.c' },
      { platform: 'linux/arm64', step: 'RUN make', stream: 2, text: '\u001b[1;31mwarning\u001b[0m: unused' },
      { platform: 'linux/amd64', step: 'RUN make', stream: 1, text: '' },
      { platform: 'linux/arm64', stream: 1, text: 'no step' },
      { step: 'pushing', stream: 0, text: 'no platform' },
    ];
    const packed = packLogLines(lines);
    expect(packed.kinds).toEqual([
      [null, null, 0],
      ['linux/amd64', 'RUN make', 1],
      ['linux/arm64', 'RUN make', 2],
      ['linux/arm64', null, 1],
      [null, 'pushing', 0],
    ]);
    expect(packed.k).toEqual([0, 1, 2, 1, 3, 4]);
    const back = unpackLogLines(JSON.parse(JSON.stringify(packed)));
    expect(back).toEqual(lines);
    // no `platform: undefined` keys either
    expect(back!.map((l) => Object.keys(l).sort())).toEqual(lines.map((l) => Object.keys(l).sort()));
    expect(unpackLogLines(packLogLines([]))).toEqual([]);
  });

  it('refuse a malformed batch instead of inventing lines', () => {
    const good = packLogLines([{ platform: 'linux/amd64', stream: 1, text: 'a' }]);
    for (const bad of [null, 'x', {}, { ...good, k: [1] }, { ...good, t: [] }, { ...good, t: [3] }, { ...good, kinds: [['linux/amd64', null, 7]] }, { ...good, kinds: [[5, null, 1]] }, { ...good, kinds: ['linux/amd64'] }]) {
      expect(unpackLogLines(bad)).toBeNull();
    }
  });
});
