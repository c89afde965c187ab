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
