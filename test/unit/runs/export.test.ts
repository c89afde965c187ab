import { describe, expect, it } from 'vitest';
import { exportRun, formatDuration, runToMarkdown } from '../../../core/runs/export.js';
import { renderHistory, renderMatrix } from '../../../cli/commands/run.js';
import { hostVariantChoices } from '../../../core/runs/host-match.js';
import { sampleMatrix, sampleRun } from './fixtures.js';

describe('run export', () => {
  it('JSON is the saved matrix, pretty printed', () => {
    const m = sampleMatrix();
    const out = exportRun(m, 'json');
    expect(out.fileName).toBe('multiarch-lab-run-20261127-041502-3f9a.json');
    expect(JSON.parse(out.text)).toEqual(m);
  });

  it('Markdown has the table platform | expected | printed | result | files | native/emulated | time', () => {
    const text = exportRun(sampleMatrix(), 'markdown').text;
    const lines = text.split('\n');
    const header = lines.indexOf('| platform | expected | printed | result | files | native/emulated | time |');
    expect(header).toBeGreaterThan(0);
    expect(lines[header + 1]).toBe('| --- | --- | --- | --- | --- | --- | --- |');
    expect(lines[header + 2]).toBe('| linux/amd64 | x86_64 | x86_64 | pass | – | native | 512 ms |');
    expect(lines[header + 3]).toBe('| linux/arm64 | aarch64 | x86_64 | fail (mismatch) | – | emulated | 1.5 s |');
    expect(text).toContain('**1 of 2 platforms failed**');
    expect(text).toContain('- **linux/arm64**: The linux/arm64 entry printed x86_64: its binaries are amd64.');
    expect(text).toContain('docker run --rm --platform linux/arm64 localhost:5000/hello:1 uname -m');
  });

  it('Markdown escapes pipes and shows empty cells as a dash', () => {
    const m = sampleMatrix({ runs: [sampleRun({ platform: 'linux/amd64', printed: null, result: 'unverified', expectedText: 'a|b' })] });
    expect(runToMarkdown(m)).toContain('| linux/amd64 | a\\|b | – | ran (not checked) | – | native | 512 ms |');
  });

  it('Markdown lists which entry each host pulls', () => {
    const m = sampleMatrix({ hostChoices: hostVariantChoices(['linux/amd64', 'linux/arm64']) });
    expect(runToMarkdown(m)).toMatch(/\| Raspberry Pi 3\/4\/5 on a 32-bit OS \| nothing \| No entry fits/);
  });

  it('formats durations', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(1234)).toBe('1.2 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });
});

describe('CLI rendering', () => {
  it('prints the matrix side by side with the reasons and the commands', () => {
    const text = renderMatrix(sampleMatrix());
    expect(text).toMatch(/PLATFORM\s+EXPECTED\s+PRINTED\s+RESULT\s+FILES\s+RAN\s+EXIT\s+TIME/);
    expect(text).toMatch(/linux\/arm64\s+aarch64\s+x86_64\s+fail \(mismatch\)\s+-\s+emulated\s+0\s+1\.5 s/);
    expect(text).toContain('linux/arm64: The linux/arm64 entry printed x86_64: its binaries are amd64.');
    expect(text).toContain('  docker run --rm --platform linux/amd64 localhost:5000/hello:1 uname -m');
    expect(text).toContain('1 of 2 platforms failed.');
  });

  it('prints the history, or what to do when there is none', () => {
    expect(renderHistory([])).toMatch(/No saved runs yet/);
    const text = renderHistory([{ id: 'r1', reference: 'localhost:5000/hello:1', digest: 'sha256:x', startedAt: '2026-11-27T04:15:02.000Z', durationMs: 1, platforms: ['linux/amd64'], summary: { passed: 1, failed: 0, unverified: 0 }, ok: true }]);
    expect(text).toMatch(/^ID\s+STARTED \(UTC\)\s+RESULT/);
    expect(text).toMatch(/r1\s+2026-11-27 04:15:02\s+ok\s+1\/1 passed\s+localhost:5000\/hello:1/);
  });
});
