/**
 * Where the time goes, over rawjson captured from real builds on this machine (test/fixtures/rawjson/README.md):
 * per platform and per step, cached or not, native or emulated against the node's own platform, and the one
 * line a person reads.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { BuildProgressTracker } from '../../../core/build/rawjson.js';
import { buildTiming, formatDuration, nativePlatformOf, runsNatively } from '../../../core/build/timing.js';
import type { PlatformProgress } from '../../../core/contract/build.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const THREE = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
const AMD64_NODE = () => ({ nativePlatform: 'linux/amd64' });

function timeline(name: string, platforms: string[]): PlatformProgress[] {
  const tracker = new BuildProgressTracker({ platforms, ...(platforms.length === 1 ? { defaultPlatform: platforms[0]! } : {}) });
  for (const line of readFileSync(path.resolve(here, '../../fixtures/rawjson', name), 'utf8').split('\n')) tracker.pushLine(line);
  tracker.finish('succeeded');
  return tracker.platforms();
}

describe('a three-platform build without cache on an amd64 node', () => {
  const timing = buildTiming(timeline('success-3-platforms.txt', THREE), AMD64_NODE);
  const by = Object.fromEntries(timing.platforms.map((p) => [p.platform, p]));

  test('RUN runs natively for amd64 and emulated for arm64 and arm/v7; FROM and COPY run no program', () => {
    expect(timing.platforms.map((p) => p.platform)).toEqual(THREE);
    for (const p of timing.platforms) {
      expect(p.steps.map((s) => [s.name.split(' ')[0], s.execution])).toEqual([
        ['FROM', 'none'],
        ['COPY', 'none'],
        ['RUN', p.platform === 'linux/amd64' ? 'native' : 'emulated'],
      ]);
      expect(p.nativePlatform).toBe('linux/amd64');
      expect(p.node).toBeUndefined();
    }
  });

  test('the numbers are BuildKit’s marks: step times, wall time per platform, emulated time is the RUN step', () => {
    // differences of the fixture's own started/completed marks, to the millisecond
    const arm64 = by['linux/arm64']!;
    const run = arm64.steps[2]!;
    expect(run.ms).toBe(503);
    expect(arm64.emulatedMs).toBe(503);
    expect(arm64.nativeMs).toBe(0);
    expect(arm64.wallMs).toBe(580);
    expect(by['linux/amd64']!.nativeMs).toBe(441);
    expect(by['linux/amd64']!.emulatedMs).toBe(0);
    // the FROM comes from what BuildKit already resolved: reported as cached even in a --no-cache build
    expect(arm64.cachedSteps).toBe(1);
    expect(arm64.totalSteps).toBe(3);
  });

  test('the emulated RUN is compared with the same RUN run natively for amd64 (both measured)', () => {
    expect(by['linux/arm64']!.slowestEmulated).toEqual({ name: 'RUN chmod +x /hello.sh', ms: 503, nativeMs: 441, comparedWith: 'linux/amd64', ratio: 503 / 441 });
    expect(by['linux/arm64']!.summary).toBe('linux/arm64: 580 ms, 503 ms of it emulated in `RUN chmod +x /hello.sh` (1.1× linux/amd64), 1 of 3 steps from the cache');
    expect(by['linux/amd64']!.summary).toBe('linux/amd64: 527 ms, every program ran natively, 1 of 3 steps from the cache');
  });

  test('on an arm64 node the roles swap: amd64 is the emulated one', () => {
    const swapped = buildTiming(timeline('success-3-platforms.txt', THREE), () => ({ nativePlatform: 'linux/arm64' }));
    expect(swapped.platforms.map((p) => [p.platform, p.steps[2]!.execution])).toEqual([
      ['linux/amd64', 'emulated'],
      ['linux/arm64', 'native'],
      ['linux/arm/v7', 'emulated'],
    ]);
    expect(swapped.platforms[0]!.slowestEmulated?.comparedWith).toBe('linux/arm64');
  });

  test('each platform on its own node: the node is named, and a node whose platform is unknown makes no claim', () => {
    const t = buildTiming(timeline('success-3-platforms.txt', THREE), (p) =>
      p === 'linux/arm64' ? { node: 'pi', nativePlatform: 'linux/arm64' } : p === 'linux/amd64' ? { node: 'pc', nativePlatform: 'linux/amd64' } : { node: 'far' },
    );
    const [amd, arm, armv7] = t.platforms;
    expect(arm!.summary).toBe('linux/arm64 on pi: 580 ms, every program ran natively, 1 of 3 steps from the cache');
    expect(amd!.summary.startsWith('linux/amd64 on pc: 527 ms')).toBe(true);
    expect(armv7!.steps[2]!.execution).toBe('unknown');
    expect(armv7!.emulatedMs).toBe(0);
    expect(armv7!.summary).toBe("linux/arm/v7 on far: 581 ms, native or emulated cannot be told (the node's own platform could not be read), 1 of 3 steps from the cache");
  });
});

describe('other captured builds', () => {
  test('a cached rebuild: the RUN steps come from the cache, nothing ran emulated', () => {
    const t = buildTiming(timeline('cached-3-platforms.txt', THREE), AMD64_NODE);
    for (const p of t.platforms) {
      expect(p.emulatedMs).toBe(0);
      expect(p.steps[2]).toMatchObject({ cached: true, execution: p.platform === 'linux/amd64' ? 'native' : 'emulated' });
      expect(p.summary).toMatch(new RegExp(`^${p.platform}: \\d+ ms, its RUN steps came from the cache, so nothing ran emulated, 2 of 3 steps from the cache$`));
    }
  });

  test('a single-platform arm64 build: emulated, and no ratio since nothing ran natively to compare with', () => {
    const [arm] = buildTiming(timeline('single-platform-arm64.txt', ['linux/arm64']), AMD64_NODE).platforms;
    expect(arm!.slowestEmulated).toEqual({ name: 'RUN chmod +x /hello.sh', ms: 328 });
    expect(arm!.summary).toBe('linux/arm64: 397 ms, 328 ms of it emulated in `RUN chmod +x /hello.sh`, 1 of 3 steps from the cache');
  });

  test('cross-building: the $BUILDPLATFORM stage of the arm64 target runs natively as linux/amd64, the final RUN emulated', () => {
    const t = buildTiming(timeline('cross-build-2-platforms.txt', ['linux/amd64', 'linux/arm64']), AMD64_NODE);
    const arm = t.platforms[1]!;
    const build = arm.steps.find((s) => s.stage === 'build' && s.name.startsWith('RUN'))!;
    expect(build).toMatchObject({ runsAs: 'linux/amd64', execution: 'native', cached: false });
    expect(build.name).toContain('building for arm64');
    const final = arm.steps.find((s) => s.name.startsWith('RUN cat'))!;
    expect(final).toMatchObject({ runsAs: 'linux/arm64', execution: 'emulated' });
    expect(arm.nativeMs).toBe(build.ms);
    expect(arm.emulatedMs).toBe(final.ms);
    expect(arm.summary).toContain('1 RUN step cross-built natively as linux/amd64');
    // compared with the same Dockerfile step of amd64 (position, not name: the name carries the expanded ARG)
    expect(arm.slowestEmulated?.comparedWith).toBe('linux/amd64');
  });
});

describe('a builder with two nodes', () => {
  test('each node builds one platform; the RUN named without a platform belongs to the platform of its input', () => {
    const t = buildTiming(timeline('two-nodes-2-platforms.txt', ['linux/amd64', 'linux/arm64']), (p) =>
      p === 'linux/arm64' ? { node: 'arm', nativePlatform: 'linux/amd64' } : { node: 'first', nativePlatform: 'linux/amd64' },
    );
    expect(t.platforms.map((p) => [p.platform, p.node, p.steps.map((s) => [s.name, s.execution])])).toEqual([
      ['linux/amd64', 'first', [['COPY rootfs-amd64/ /', 'none'], ['RUN cat /proc/net/dev && uname -m', 'native']]],
      ['linux/arm64', 'arm', [['COPY rootfs-arm64/ /', 'none'], ['RUN cat /proc/net/dev && uname -m', 'emulated']]],
    ]);
    expect(t.platforms[1]!.summary).toMatch(/^linux\/arm64 on arm: [\d.]+ m?s, [\d.]+ m?s of it emulated in `RUN cat \/proc\/net\/dev && uname -m` \([\d.]+× linux\/amd64\)$/);
  });
});

describe('helpers', () => {
  test.each([
    ['linux', 'x86_64', 'linux/amd64'],
    ['linux', 'amd64', 'linux/amd64'],
    ['linux', 'aarch64', 'linux/arm64'],
    ['linux', 'armv7l', 'linux/arm/v7'],
    ['linux', 'mips', undefined],
  ])('nativePlatformOf(%s, %s) = %s', (os, arch, expected) => {
    expect(nativePlatformOf(os, arch)).toBe(expected);
  });

  test('runsNatively compares OS and architecture', () => {
    expect(runsNatively('linux/amd64', 'linux/amd64')).toBe(true);
    expect(runsNatively('linux/arm64/v8', 'linux/arm64')).toBe(true);
    expect(runsNatively('linux/arm64', 'linux/amd64')).toBe(false);
    expect(runsNatively('windows/amd64', 'linux/amd64')).toBe(false);
  });

  test.each([
    [80, '80 ms'],
    [3140, '3.1 s'],
    [41_200, '41 s'],
    [125_000, '2 min 5 s'],
  ])('formatDuration(%d) = %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('a one-platform build names no platform in its steps', () => {
  // BuildKit's names for `--platform linux/arm64` alone: `[build 2/2] RUN …` for the $BUILDPLATFORM stage too
  const progress: PlatformProgress[] = [
    {
      platform: 'linux/arm64',
      state: 'done',
      finished: 2,
      startedAt: 0,
      endedAt: 3000,
      steps: [
        { name: 'RUN make', stage: 'build', index: 2, total: 2, state: 'done', cached: false, startedAt: 0, endedAt: 2000, logLines: 0 },
        { name: 'RUN ./selftest', stage: 'stage-1', index: 3, total: 3, state: 'done', cached: false, startedAt: 2000, endedAt: 3000, logLines: 0 },
      ],
    },
  ];

  test('the Dockerfile says which stage runs as the build platform: that one is native, the target stage emulated', () => {
    const [t] = buildTiming(progress, AMD64_NODE, { buildPlatformStages: new Set(['build']) }).platforms;
    expect(t!.steps.map((s) => [s.name, s.runsAs, s.execution])).toEqual([
      ['RUN make', 'linux/amd64', 'native'],
      ['RUN ./selftest', 'linux/arm64', 'emulated'],
    ]);
    expect(t!.summary).toBe('linux/arm64: 3.0 s, 1.0 s of it emulated in `RUN ./selftest`, 1 RUN step cross-built natively as linux/amd64');
  });

  test('without the Dockerfile’s word, every step counts as the target’s', () => {
    const [t] = buildTiming(progress, AMD64_NODE).platforms;
    expect(t!.steps.map((s) => s.execution)).toEqual(['emulated', 'emulated']);
  });
});
