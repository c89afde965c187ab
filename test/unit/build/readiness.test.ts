/**
 * The readiness rules over Dockerfiles: each rule with a Dockerfile that trips it and one that does not.
 * (The base-image rule asks a registry: test/integration/readiness.test.ts.)
 */
import { describe, expect, test } from 'vitest';
import { dockerfileFindings, parseInstructions, parseStages } from '../../../core/build/readiness.js';

const TWO = ['linux/amd64', 'linux/arm64'];
const rules = (text: string, platforms = TWO) => dockerfileFindings(text, platforms, 'linux/amd64').map((f) => [f.rule, f.line, f.severity]);

describe('parsing', () => {
  test('instructions keep their first line; continuations join; heredoc bodies are not instructions', () => {
    const text = 'FROM alpine AS base\n# a comment\nRUN apk add \\\n    curl\nCOPY <<-EOF /x.sh\n\tRUN not an instruction\n\tEOF\nCMD ["/x.sh"]\n';
    expect(parseInstructions(text).map((i) => [i.line, i.keyword, i.args])).toEqual([
      [1, 'FROM', 'alpine AS base'],
      [3, 'RUN', 'apk add  curl'],
      [5, 'COPY', '<<-EOF /x.sh'],
      [8, 'CMD', '["/x.sh"]'],
    ]);
  });

  test('a stage on $BUILDPLATFORM, and one started from it, run as the build platform', () => {
    const stages = parseStages(parseInstructions('FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nFROM build AS test\nFROM alpine\n'));
    expect(stages.map((s) => [s.name, s.image, s.onBuildPlatform])).toEqual([
      ['build', 'golang:1.22', true],
      ['test', 'build', true],
      [undefined, 'alpine', false],
    ]);
  });
});

describe('fixed-platform', () => {
  test('trips on FROM --platform=linux/amd64', () => {
    expect(rules('FROM --platform=linux/amd64 alpine\nRUN echo hi\n')).toEqual([['fixed-platform', 1, 'warning']]);
  });
  test('not on $BUILDPLATFORM or $TARGETPLATFORM', () => {
    expect(rules('FROM --platform=$BUILDPLATFORM alpine AS a\nFROM --platform=${TARGETPLATFORM} alpine\n')).toEqual([]);
  });
});

describe('arch-constant', () => {
  test('trips on GOARCH=amd64 and on a download URL with an architecture in it', () => {
    const text = 'FROM golang:1.22\nRUN GOARCH=amd64 go build -o /app .\nRUN curl -fsSLO https://example.com/tool-linux-x86_64.tar.gz\n';
    expect(rules(text).filter(([r]) => r === 'arch-constant')).toEqual([
      ['arch-constant', 2, 'warning'],
      ['arch-constant', 3, 'warning'],
    ]);
  });
  test('not when TARGETARCH drives it', () => {
    const text = 'FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build -o /app .\nRUN curl -fsSLO https://example.com/tool-linux-${TARGETARCH}.tar.gz\n';
    expect(rules(text)).toEqual([]);
  });
});

describe('emulated-compile', () => {
  test('trips on go build in a stage built for each target when a target is not the build platform', () => {
    const f = dockerfileFindings('FROM golang:1.22\nCOPY . .\nRUN go build -o /app .\n', TWO, 'linux/amd64');
    expect(f.map((x) => [x.rule, x.line, x.platforms])).toEqual([['emulated-compile', 3, ['linux/arm64']]]);
    expect(f[0]!.fix).toContain('FROM --platform=$BUILDPLATFORM golang:1.22 AS build');
  });
  test('not in a $BUILDPLATFORM stage, and not when every target is the build platform', () => {
    expect(rules('FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build -o /app .\nFROM alpine\nCOPY --from=build /app /app\n')).toEqual([]);
    expect(rules('FROM golang:1.22\nRUN go build -o /app .\n', ['linux/amd64'])).toEqual([]);
  });
});

describe('heredoc rules (the existing lint, as findings with their line)', () => {
  test('trips on a heredoc indented with spaces', () => {
    const text = 'FROM alpine\nCOPY <<-SCRIPT /hello.sh\n    #!/bin/sh\n    echo hi\n    SCRIPT\n';
    expect(rules(text).map(([r]) => r)).toContain('heredoc-spaces');
  });
  test('not on the tab-indented sample', () => {
    expect(rules('FROM alpine\nCOPY <<-SCRIPT /hello.sh\n\t#!/bin/sh\n\techo hi\n\tSCRIPT\nRUN chmod +x /hello.sh\n')).toEqual([]);
  });
});

describe('entrypoint-script', () => {
  const files = (entries: Record<string, [string, number]>) => new Map(Object.entries(entries).map(([k, [content, mode]]) => [k, { content, mode }]));
  const scriptRules = (text: string, ctx = files({})) => dockerfileFindings(text, TWO, 'linux/amd64', ctx).filter((f) => f.rule === 'entrypoint-script');

  test('trips on a heredoc script without #!: error on the COPY line, naming exec format error', () => {
    const text = 'FROM alpine\nCOPY --chmod=755 <<-"SCRIPT" /hello.sh\n\techo hi\n\tSCRIPT\nENTRYPOINT ["/hello.sh"]\n';
    const found = scriptRules(text);
    expect(found.map((f) => [f.line, f.severity])).toEqual([[2, 'error']]);
    expect(found[0]?.message).toContain('no #! line');
    expect(found[0]?.message).toContain('exec format error');
    expect(found[0]?.fix).toContain('#!/bin/sh');
  });

  test('trips on a heredoc script that is never made executable; not when RUN chmod +x or --chmod follows', () => {
    const body = 'COPY <<-"SCRIPT" /hello.sh\n\t#!/bin/sh\n\techo hi\n\tSCRIPT\n';
    const bare = scriptRules(`FROM alpine\n${body}CMD ["/hello.sh"]\n`);
    expect(bare.map((f) => [f.line, f.message.includes('permission denied')])).toEqual([[2, true]]);
    expect(scriptRules(`FROM alpine\n${body}RUN chmod +x /hello.sh\nCMD ["/hello.sh"]\n`)).toEqual([]);
    expect(scriptRules(`FROM alpine\n${body.replace('COPY ', 'COPY --chmod=755 ')}CMD ["/hello.sh"]\n`)).toEqual([]);
  });

  test('trips on CRLF in the #! line of a context file; an LF, executable copy passes', () => {
    const text = 'FROM alpine\nCOPY run.sh /usr/local/bin/\nENTRYPOINT ["/usr/local/bin/run.sh"]\n';
    const crlf = scriptRules(text, files({ 'run.sh': ['#!/bin/sh\r\necho hi\r\n', 0o100755] }));
    expect(crlf.map((f) => [f.line, f.severity])).toEqual([[2, 'error']]);
    expect(crlf[0]?.message).toContain('CRLF');
    expect(scriptRules(text, files({ 'run.sh': ['#!/bin/sh\necho hi\n', 0o100755] }))).toEqual([]);
  });

  test('trips on a context file without an execute bit copied as is; not with --chmod', () => {
    const text = 'FROM alpine\nCOPY ./run.sh /run.sh\nCMD ["/run.sh"]\n';
    const ctx = files({ 'run.sh': ['#!/bin/sh\necho hi\n', 0o100644] });
    expect(scriptRules(text, ctx).map((f) => f.message.includes('not executable'))).toEqual([true]);
    expect(scriptRules(text.replace('COPY ', 'COPY --chmod=0755 '), ctx)).toEqual([]);
  });

  test('leaves alone what cannot be told: shell form, a PATH name, a file from another stage, the tutorial sample', () => {
    expect(scriptRules('FROM alpine\nCOPY <<EOF /x.sh\necho hi\nEOF\nCMD /x.sh\n')).toEqual([]);
    expect(scriptRules('FROM alpine\nCMD ["hello"]\n')).toEqual([]);
    expect(scriptRules('FROM alpine AS b\nRUN echo > /x\nFROM alpine\nCOPY --from=b /x /x\nCMD ["/x"]\n')).toEqual([]);
    const sample = 'FROM alpine\nCOPY <<-"SCRIPT" /hello.sh\n\t#!/bin/sh\n\tuname -m\n\tSCRIPT\nRUN chmod +x /hello.sh\nCMD ["/hello.sh"]\n';
    expect(scriptRules(sample)).toEqual([]);
  });

  test('an ENTRYPOINT in the final stage wins over a CMD; a script in an earlier stage the final one starts from counts', () => {
    const text = 'FROM alpine AS base\nCOPY <<EOF /e.sh\necho\nEOF\nFROM base\nENTRYPOINT ["/e.sh"]\nCMD ["/other"]\n';
    expect(scriptRules(text).map((f) => f.line)).toEqual([2, 2]);
  });
});
