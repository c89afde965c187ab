/**
 * The rawjson parser over output captured from real `docker buildx build --progress=rawjson` runs on this
 * machine's engine (see test/fixtures/rawjson/README.md for how each was made).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import type { BuildLogLine } from '../../../core/contract/build.js';
import { BuildProgressTracker, JsonObjectSplitter, parseDockerfileError, parseErrorLine, parseVertexName } from '../../../core/build/rawjson.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => readFileSync(path.resolve(here, '../../fixtures/rawjson', name), 'utf8');
const THREE = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
const SAMPLE_STEPS = ['FROM localhost:5999/alpine:3.15@sha256:13339d369c529f1ece146de60cf198bc19b0e975ec7ce41b47c2097e5f83cebd', 'COPY <<-SCRIPT /hello.sh', 'RUN chmod +x /hello.sh'];

/** BuildKit's own account of a step (`#3 [linux/arm64 2/3] RUN …`, `#3 DONE 0.4s`), apart from what the step printed. */
const PROGRESS_LINE = /^#\d+ /;

function track(name: string, platforms: string[], outcome: 'succeeded' | 'failed', defaultPlatform?: string) {
  const all: BuildLogLine[] = [];
  const tracker = new BuildProgressTracker({ platforms, ...(defaultPlatform ? { defaultPlatform } : {}), onLog: (l) => all.push(l) });
  for (const line of fixture(name).split('\n')) tracker.pushLine(line);
  tracker.finish(outcome);
  return { tracker, logs: all.filter((l) => !PROGRESS_LINE.test(l.text)), progressLines: all.filter((l) => PROGRESS_LINE.test(l.text)) };
}

describe('parseVertexName', () => {
  test.each([
    ['[linux/arm64 2/3] RUN chmod +x /hello.sh', { platform: 'linux/arm64', index: 2, total: 3, internal: false, instruction: 'RUN chmod +x /hello.sh' }],
    ['[linux/arm/v7 1/3] FROM localhost:5999/alpine:3.15', { platform: 'linux/arm/v7', index: 1, total: 3, internal: false, instruction: 'FROM localhost:5999/alpine:3.15' }],
    ['[2/3] COPY <<-SCRIPT /hello.sh', { index: 2, total: 3, internal: false, instruction: 'COPY <<-SCRIPT /hello.sh' }],
    ['[linux/amd64 builder 3/5] RUN make', { platform: 'linux/amd64', stage: 'builder', index: 3, total: 5, internal: false, instruction: 'RUN make' }],
    ['[stage-1 1/2] FROM scratch', { stage: 'stage-1', index: 1, total: 2, internal: false, instruction: 'FROM scratch' }],
    ['[linux/amd64 internal] load metadata for localhost:5999/alpine:3.15', { platform: 'linux/amd64', internal: true, instruction: 'load metadata for localhost:5999/alpine:3.15' }],
    ['[internal] load build definition from Dockerfile', { internal: true, instruction: 'load build definition from Dockerfile' }],
    ['[auth] library/alpine:pull token for registry-1.docker.io', { internal: true, instruction: 'library/alpine:pull token for registry-1.docker.io' }],
    ['exporting to image', { internal: false, instruction: 'exporting to image' }],
    // a `FROM --platform=$BUILDPLATFORM` stage building for arm64 on amd64: runs as the first, belongs to the second
    ['[linux/amd64->arm64 build 2/2] RUN go build', { platform: 'linux/arm64', runsAs: 'linux/amd64', stage: 'build', index: 2, total: 2, internal: false, instruction: 'RUN go build' }],
    ['[linux/amd64->arm/v7 build 2/2] RUN go build', { platform: 'linux/arm/v7', runsAs: 'linux/amd64', stage: 'build', index: 2, total: 2, internal: false, instruction: 'RUN go build' }],
    ['[linux/amd64->windows/amd64 build 1/2] FROM x', { platform: 'windows/amd64', runsAs: 'linux/amd64', stage: 'build', index: 1, total: 2, internal: false, instruction: 'FROM x' }],
  ])('%s', (name, expected) => {
    expect(parseVertexName(name)).toEqual(expected);
  });
});

describe('JsonObjectSplitter', () => {
  test('splits indented objects (as buildx 0.13 prints them) and keeps the text after them', () => {
    const objects: unknown[] = [];
    const text: string[] = [];
    const splitter = new JsonObjectSplitter((o) => objects.push(o), (l) => text.push(l));
    for (const line of fixture('parse-error.txt').split('\n')) splitter.pushLine(line);
    splitter.end();
    expect(objects.length).toBe(6);
    expect(text.filter(Boolean)).toEqual([
      'Dockerfile:3',
      '--------------------',
      '   1 |     FROM localhost:5999/alpine:3.15',
      '   2 |     RUN true',
      '   3 | >>> FOO bar',
      '   4 |     ',
      '--------------------',
      'ERROR: failed to solve: dockerfile parse error on line 3: unknown instruction: FOO (did you mean FROM?)',
    ]);
  });

  test('one object per line, braces inside strings, two objects on one line', () => {
    const objects: unknown[] = [];
    const splitter = new JsonObjectSplitter((o) => objects.push(o), () => undefined);
    splitter.pushLine('{"vertexes":[{"digest":"sha256:a","name":"RUN echo \\"}{\\" \'{\'"}]}');
    splitter.pushLine('{"a":1}{"b":"}"}');
    expect(objects).toEqual([{ vertexes: [{ digest: 'sha256:a', name: 'RUN echo "}{" \'{\'' }] }, { a: 1 }, { b: '}' }]);
  });

  test('the same stream re-printed one object per line gives the same progress', () => {
    const indented = track('success-3-platforms.txt', THREE, 'succeeded').tracker.platforms();
    const compact = new BuildProgressTracker({ platforms: THREE });
    const objects: unknown[] = [];
    const splitter = new JsonObjectSplitter((o) => objects.push(o), () => undefined);
    for (const line of fixture('success-3-platforms.txt').split('\n')) splitter.pushLine(line);
    for (const o of objects) compact.pushLine(JSON.stringify(o));
    compact.finish('succeeded');
    expect(compact.platforms()).toEqual(indented);
  });

  test('an unfinished object at the end comes back as text', () => {
    const text: string[] = [];
    const splitter = new JsonObjectSplitter(() => undefined, (l) => text.push(l));
    splitter.pushLine('{');
    splitter.pushLine('  "vertexes": [');
    splitter.end();
    expect(text).toEqual(['{', '  "vertexes": [']);
  });
});

describe('a three-platform build of the sample (no cache)', () => {
  const { tracker, logs } = track('success-3-platforms.txt', THREE, 'succeeded');
  const platforms = tracker.platforms();

  test('every platform has the three Dockerfile steps in order, all finished', () => {
    expect(platforms.map((p) => p.platform)).toEqual(THREE);
    for (const p of platforms) {
      expect(p.state).toBe('done');
      expect(p.finished).toBe(3);
      expect(p.steps.map((s) => s.name)).toEqual(SAMPLE_STEPS);
      expect(p.steps.map((s) => [s.index, s.total])).toEqual([[1, 3], [2, 3], [3, 3]]);
    }
  });

  test('the RUN step ran (not cached) and has a start and an end; the timeline is in order', () => {
    for (const p of platforms) {
      const run = p.steps[2]!;
      expect(run.state).toBe('done');
      expect(run.cached).toBe(false);
      expect(run.endedAt! - run.startedAt!).toBeGreaterThan(0);
      expect(p.startedAt).toBeLessThanOrEqual(p.steps[0]!.startedAt!);
      expect(p.endedAt).toBe(Math.max(...p.steps.map((s) => s.endedAt!)));
    }
  });

  test('no errors and no log lines (chmod prints nothing)', () => {
    expect(tracker.errorMessage()).toBeUndefined();
    expect(tracker.dockerfileError()).toBeUndefined();
    expect(logs).toEqual([]);
  });

  test('the log still holds BuildKit’s account of every step of every platform: its name, then how it ended', () => {
    const { progressLines } = track('success-3-platforms.txt', THREE, 'succeeded');
    for (const platform of THREE) {
      const mine = progressLines.filter((l) => l.platform === platform).map((l) => l.text.replace(/^#\d+ /, ''));
      for (const [i, step] of SAMPLE_STEPS.entries()) expect(mine).toContain(`[${platform} ${i + 1}/3] ${step}`);
      expect(mine.filter((t) => /^(DONE \d+\.\d+s|CACHED)$/.test(t)).length).toBeGreaterThanOrEqual(3);
    }
    expect(tracker.messageCount).toBe(70);
  });
});

describe('the same build again (cached)', () => {
  const { tracker } = track('cached-3-platforms.txt', THREE, 'succeeded');
  test('COPY and RUN are cached on every platform', () => {
    for (const p of tracker.platforms()) {
      expect(p.steps.map((s) => s.state)).toEqual(['done', 'cached', 'cached']);
      expect(p.steps.slice(1).every((s) => s.cached)).toBe(true);
      expect(p.state).toBe('done');
    }
  });
});

describe('a single-platform build (old-school): steps carry no platform in their names', () => {
  const { tracker } = track('single-platform-arm64.txt', ['linux/arm64'], 'succeeded', 'linux/arm64');
  test('the steps belong to the one platform built', () => {
    const [p] = tracker.platforms();
    expect(p?.platform).toBe('linux/arm64');
    expect(p?.steps.map((s) => s.name)).toEqual(SAMPLE_STEPS);
    expect(p?.state).toBe('done');
  });
});

describe('a failing RUN on three platforms', () => {
  const { tracker, logs } = track('failing-run-3-platforms.txt', THREE, 'failed');

  test('the failing line of the Dockerfile, with its excerpt', () => {
    const e = tracker.dockerfileError();
    expect(e?.line).toBe(17);
    expect(e?.file).toBe('Dockerfile');
    expect(e?.text).toBe('RUN echo "checking the machine: $(uname -m)" && echo "about to look for /missing" >&2 && ls /missing');
    expect(e?.context?.find((l) => l.includes('>>>'))).toContain('17 | >>> RUN echo');
  });

  test('the step that failed first, not the ones cancelled because of it', () => {
    expect(tracker.failedStep()).toEqual({ platform: 'linux/amd64', step: 'RUN echo "checking the machine: $(uname -m)" && echo "about to look for /missing" >&2 && ls /missing' });
    const states = Object.fromEntries(tracker.platforms().map((p) => [p.platform, p.state]));
    expect(states).toEqual({ 'linux/amd64': 'error', 'linux/arm64': 'cancelled', 'linux/arm/v7': 'cancelled' });
    expect(tracker.errorMessage()).toMatch(/^failed to solve: process "\/bin\/sh -c echo .* did not complete successfully: exit code: 1$/);
  });

  test('the step printed its lines, on stdout and stderr, tagged with platform and step', () => {
    const amd64 = logs.filter((l) => l.platform === 'linux/amd64');
    expect(amd64.map((l) => [l.stream, l.text])).toEqual([
      [1, 'checking the machine: x86_64'],
      [2, 'about to look for /missing'],
      [2, 'ls: /missing: No such file or directory'],
    ]);
    expect(amd64[0]?.step).toMatch(/^RUN echo "checking the machine/);
    const failing = tracker.platforms()[0]!.steps[3]!;
    expect(failing.state).toBe('error');
    expect(failing.logLines).toBe(3);
  });
});

describe('failures before any step', () => {
  test('the syntax line pointing at docker/dockerfile:1-labs, offline', () => {
    const { tracker } = track('labs-syntax-offline.txt', ['linux/amd64'], 'failed');
    expect(tracker.dockerfileError()).toMatchObject({ line: 1, text: '# syntax=docker/dockerfile:1-labs' });
    expect(tracker.errorMessage()).toMatch(/docker\.io\/docker\/dockerfile:1-labs/);
    expect(tracker.platforms()[0]?.state).toBe('error');
  });

  test('an unknown instruction', () => {
    const { tracker } = track('parse-error.txt', ['linux/amd64'], 'failed');
    expect(tracker.dockerfileError()).toMatchObject({ line: 3, text: 'FOO bar' });
    expect(tracker.errorMessage()).toBe('failed to solve: dockerfile parse error on line 3: unknown instruction: FOO (did you mean FROM?)');
  });
});

describe('parseDockerfileError and parseErrorLine on their own', () => {
  test('an older buildx excerpt with a named Dockerfile', () => {
    const lines = ['------', ' > [2/2] RUN exit 1:', '------', 'Dockerfile.dev:2', '--------------------', '   1 |     FROM alpine', '   2 | >>> RUN exit 1', '--------------------', 'ERROR: failed to solve: exit code: 1'];
    expect(parseDockerfileError(lines)).toEqual({ line: 2, text: 'RUN exit 1', file: 'Dockerfile.dev', context: ['   1 |     FROM alpine', '   2 | >>> RUN exit 1'] });
    expect(parseErrorLine(lines)).toBe('failed to solve: exit code: 1');
  });

  test('only a parse error message', () => {
    expect(parseDockerfileError(['ERROR: failed to solve: dockerfile parse error on line 7: unknown flag: --nope'])).toEqual({ line: 7, text: '' });
    expect(parseDockerfileError(['nothing useful'])).toBeUndefined();
  });
});

describe('work shared with another build', () => {
  test('a step named twice (BuildKit merged a concurrent build\'s FROM): the one the next step builds on is ours', () => {
    const tracker = new BuildProgressTracker({ platforms: ['linux/amd64'] });
    const t = (s: number) => `2026-01-01T00:00:0${s}Z`;
    tracker.apply({ vertexes: [{ digest: 'sha256:other', name: '[linux/amd64 1/2] FROM localhost:35815/alpine:3.15@sha256:1333', started: t(0), completed: t(1), cached: true }] });
    tracker.apply({ vertexes: [{ digest: 'sha256:ours', name: '[linux/amd64 1/2] FROM localhost:36129/alpine:3.15@sha256:1333', started: t(1), completed: t(2) }] });
    tracker.apply({ vertexes: [{ digest: 'sha256:run', name: '[linux/amd64 2/2] RUN true', inputs: ['sha256:ours'], started: t(2), completed: t(3) }] });
    // the foreign vertex shows up again later: still not ours
    tracker.apply({ vertexes: [{ digest: 'sha256:other', name: '[linux/amd64 1/2] FROM localhost:35815/alpine:3.15@sha256:1333', started: t(0), completed: t(1), cached: true }] });
    tracker.finish('succeeded');
    const [p] = tracker.platforms();
    expect(p?.steps.map((s) => [s.name, s.state])).toEqual([['FROM localhost:36129/alpine:3.15@sha256:1333', 'done'], ['RUN true', 'done']]);
    expect(p?.finished).toBe(2);
  });
});

describe('while a build runs', () => {
  test('a step that started and has not ended is running, and a cancelled build settles it as cancelled', () => {
    const tracker = new BuildProgressTracker({ platforms: ['linux/arm64'] });
    tracker.apply({ vertexes: [{ digest: 'sha256:1', name: '[linux/arm64 1/2] FROM x', started: '2026-01-01T00:00:00Z', completed: '2026-01-01T00:00:01Z' }] });
    tracker.apply({ vertexes: [{ digest: 'sha256:2', name: '[linux/arm64 2/2] RUN sleep 30', started: '2026-01-01T00:00:01Z' }] });
    tracker.apply({ logs: [{ vertex: 'sha256:2', stream: 1, data: Buffer.from('half a li').toString('base64') }] });
    expect(tracker.platforms()[0]).toMatchObject({ state: 'running', finished: 1, steps: [{ state: 'done' }, { state: 'running', name: 'RUN sleep 30' }] });
    const logs: string[] = [];
    const t2 = new BuildProgressTracker({ platforms: ['linux/arm64'], onLog: (l) => (PROGRESS_LINE.test(l.text) ? undefined : logs.push(l.text)) });
    t2.apply({ vertexes: [{ digest: 'sha256:2', name: '[linux/arm64 2/2] RUN sleep 30', started: '2026-01-01T00:00:01Z' }] });
    t2.apply({ logs: [{ vertex: 'sha256:2', stream: 1, data: Buffer.from('half a li').toString('base64') }] });
    t2.apply({ logs: [{ vertex: 'sha256:2', stream: 1, data: Buffer.from('ne\nand more').toString('base64') }] });
    expect(logs).toEqual(['half a line']);
    t2.finish('cancelled');
    expect(logs).toEqual(['half a line', 'and more']);
    expect(t2.platforms()[0]).toMatchObject({ state: 'cancelled', steps: [{ state: 'cancelled' }] });
  });
});

describe('when a build ends, every step has its final state', () => {
  test('a step BuildKit never started in a build that succeeded ends cached, not waiting, and the counts match', () => {
    const t = new BuildProgressTracker({ platforms: ['linux/arm64'] });
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    // a later step came from the cache, so BuildKit reported the steps before it only as known, never as started
    t.apply({
      vertexes: [
        { digest: 'sha256:1', name: '[linux/arm64 1/3] FROM localhost:5000/alpine:3.15', started: at(0), completed: at(1) },
        { digest: 'sha256:2', name: '[linux/arm64 2/3] COPY <<-SCRIPT /hello.sh', inputs: ['sha256:1'] },
        { digest: 'sha256:3', name: '[linux/arm64 3/3] RUN chmod +x /hello.sh', inputs: ['sha256:2'], cached: true, started: at(1), completed: at(1) },
      ],
    });
    t.finish('succeeded');
    const [p] = t.platforms();
    expect(p?.steps.map((s) => s.state)).toEqual(['done', 'cached', 'cached']);
    expect(p?.finished).toBe(3);
    expect(p?.state).toBe('done');
  });
});

describe('a build across two nodes (one platform each)', () => {
  test('the RUN step BuildKit names without a platform goes to the platform of the step before it, and so do its log lines', () => {
    const { tracker, logs } = track('two-nodes-2-platforms.txt', ['linux/amd64', 'linux/arm64'], 'succeeded');
    expect(tracker.platforms().map((p) => [p.platform, p.state, p.steps.map((s) => s.name)])).toEqual([
      ['linux/amd64', 'done', ['COPY rootfs-amd64/ /', 'RUN cat /proc/net/dev && uname -m']],
      ['linux/arm64', 'done', ['COPY rootfs-arm64/ /', 'RUN cat /proc/net/dev && uname -m']],
    ]);
    const printed = (platform: string) => logs.filter((l) => l.platform === platform).map((l) => l.text.trim());
    expect(printed('linux/arm64')).toContain('aarch64');
    expect(printed('linux/arm64').some((l) => l.startsWith('docker0:'))).toBe(false);
    expect(printed('linux/amd64')).toContain('x86_64');
    expect(printed('linux/amd64').some((l) => l.startsWith('docker0:'))).toBe(true);
  });
});
