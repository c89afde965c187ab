import { describe, expect, test } from 'vitest';
import { lintDockerfile } from '../../../core/tutorial/lint.js';

const T = '\t';

describe('lintDockerfile: <<- heredocs indented with spaces', () => {
  test('TAB-indented body and end word: nothing to say', () => {
    const text = ['FROM alpine', 'COPY <<-"SCRIPT" /hello.sh', `${T}#!/bin/sh`, `${T}${T}uname -m`, `${T}SCRIPT`, 'RUN chmod +x /hello.sh'].join('\n');
    expect(lintDockerfile(text)).toEqual([]);
  });

  test('each space-indented line is reported with its line number', () => {
    const text = ['FROM alpine', 'COPY <<-SCRIPT /hello.sh', '    #!/bin/sh', `${T}echo ok`, `${T}  uname -m`, 'SCRIPT'].join('\n');
    const warnings = lintDockerfile(text);
    expect(warnings.map((w) => [w.line, w.code])).toEqual([[3, 'heredoc-spaces'], [5, 'heredoc-spaces']]);
    expect(warnings[0]?.message).toBe('Line 3 is indented with spaces inside the <<-SCRIPT heredoc opened on line 2; <<- removes TABs only, so the spaces stay in the written file.');
    expect(warnings[0]?.hint).toMatch(/TABs/);
  });

  test('an end word indented with spaces does not end the heredoc: said once, and the rest is still checked', () => {
    const text = ['FROM alpine', 'RUN <<-EOF', `${T}echo hi`, '  EOF', 'COPY <<-X /x', '  x', `${T}X`].join('\n');
    const warnings = lintDockerfile(text);
    expect(warnings.map((w) => w.line)).toEqual([4, 6]);
    expect(warnings[0]?.message).toMatch(/end word EOF is indented with spaces, so it does not end the heredoc opened on line 2/);
  });

  test('plain << keeps indentation on purpose: no warning; blank lines are fine', () => {
    expect(lintDockerfile(['FROM alpine', 'COPY <<EOF /a', '    indented on purpose', '', 'EOF'].join('\n'))).toEqual([]);
    expect(lintDockerfile(['FROM alpine', 'COPY <<-EOF /a', `${T}a`, '   ', 'EOF'].join('\n'))).toEqual([]);
  });

  test('two heredocs on one line are read one after the other', () => {
    const text = ['FROM alpine', 'COPY <<-A <<-B /dir/', `${T}a`, 'A', '  b', 'B'].join('\n');
    expect(lintDockerfile(text).map((w) => w.line)).toEqual([5]);
  });

  test('a heredoc that never ends', () => {
    const w = lintDockerfile(['FROM alpine', 'RUN <<-EOF', `${T}echo`].join('\n'));
    expect(w).toEqual([expect.objectContaining({ line: 2, code: 'heredoc-unterminated' })]);
  });

  test('<< in a comment or inside a heredoc body opens nothing; CRLF files work', () => {
    expect(lintDockerfile(['# COPY <<-X not a heredoc', 'FROM alpine', 'RUN <<-EOF', `${T}cat <<-Y`, `${T}EOF`].join('\r\n'))).toEqual([]);
  });

  test('a # syntax= directive is pointed out: it makes BuildKit pull a frontend image', () => {
    const w = lintDockerfile(['# syntax=docker/dockerfile:1-labs', 'FROM alpine'].join('\n'));
    expect(w).toEqual([expect.objectContaining({ line: 1, code: 'syntax-image', message: expect.stringMatching(/docker\/dockerfile:1-labs: it is pulled/) })]);
    // after the first line that is not a directive, it is just a comment
    expect(lintDockerfile(['FROM alpine', '# syntax=docker/dockerfile:1'].join('\n'))).toEqual([]);
  });
});
