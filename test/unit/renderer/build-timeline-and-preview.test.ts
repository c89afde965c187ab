import { describe, expect, it } from 'vitest';
import type { PlatformProgress } from '../../../core/contract/build.js';
import type { DefaultDriverExplanation } from '../../../core/contract/builder.js';
import { chooseBuilder } from '../../../core/build/run-build.js';
import { manifestCreateEquivalent, manifestPushEquivalent, modernEquivalent, oldSchoolBuildEquivalent, platformTag, pushEquivalent } from '../../../core/commands/build.js';
import { parseImageReference } from '../../../core/registry/reference.js';
import { buildTimeline, formatMs, MIN_BAR_PERCENT, niceTicks, slowdownWords } from '../../../renderer/src/components/timeline-model.js';
import { automaticBuilder, previewCommands } from '../../../renderer/src/views/build-model.js';
import { commandArgs } from '../../../renderer/src/store/runs-slice.js';

const T0 = 1_800_000_000_000;

function platform(name: string, steps: Array<[string, number | undefined, number | undefined, boolean?]>, state: PlatformProgress['state'] = 'done'): PlatformProgress {
  return {
    platform: name,
    state,
    finished: steps.length,
    steps: steps.map(([n, start, end, cached], i) => ({
      name: n,
      index: i + 1,
      total: steps.length,
      state: cached ? 'cached' : end === undefined && start !== undefined ? 'running' : 'done',
      cached: !!cached,
      logLines: 0,
      ...(start !== undefined ? { startedAt: T0 + start } : {}),
      ...(end !== undefined ? { endedAt: T0 + end } : {}),
    })),
  };
}

describe('the build timeline', () => {
  it('puts every platform on one axis, so the emulated one is visibly longer', () => {
    const model = buildTimeline(
      [
        platform('linux/amd64', [['FROM', 0, 100], ['RUN make', 100, 1100]]),
        platform('linux/arm64', [['FROM', 0, 100], ['RUN make', 100, 4100]]),
      ],
      T0 + 5000,
    )!;
    expect(model.start).toBe(T0);
    expect(model.end).toBe(T0 + 4100);
    const [amd, arm] = model.rows;
    expect(amd!.durationMs).toBe(1100);
    expect(arm!.durationMs).toBe(4100);
    const runArm = arm!.bars[1]!;
    expect(runArm.left).toBeCloseTo((100 / 4100) * 100);
    expect(runArm.width).toBeCloseTo((4000 / 4100) * 100);
    expect(amd!.bars[1]!.width).toBeLessThan(runArm.width / 3);
    expect(slowdownWords(model.rows).get('linux/arm64')).toBe('4.0× amd64');
  });

  it('names no slowdown when a platform ran nothing but its FROM (a cached build)', () => {
    const model = buildTimeline(
      [
        platform('linux/amd64', [['FROM base', 0, 100], ['RUN x', 100, 100, true]]),
        platform('linux/arm64', [['FROM base', 0, 300], ['RUN x', 300, 300, true]]),
      ],
      T0,
    )!;
    expect(slowdownWords(model.rows).size).toBe(0);
  });

  it('marks cached steps with a thin marker and counts them', () => {
    const model = buildTimeline([platform('linux/amd64', [['FROM', 0, 50], ['COPY', 60, 60, true], ['RUN', 60, 60, true]])], T0)!;
    const row = model.rows[0]!;
    expect(row.cachedSteps).toBe(2);
    expect(row.ranSteps).toBe(1);
    expect(row.bars.filter((b) => b.cached).every((b) => b.width === MIN_BAR_PERCENT)).toBe(true);
  });

  it('grows a running step to now, and has nothing to draw before the first step starts', () => {
    const model = buildTimeline([platform('linux/arm64', [['RUN', 0, undefined]], 'running')], T0 + 3000)!;
    expect(model.rows[0]!.bars[0]!.open).toBe(true);
    expect(model.rows[0]!.durationMs).toBe(3000);
    expect(buildTimeline([{ platform: 'linux/amd64', state: 'waiting', steps: [], finished: 0 }], T0)).toBeNull();
  });

  it('ticks at round steps and words durations', () => {
    expect(niceTicks(4100)).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(niceTicks(1000)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(formatMs(850)).toBe('850 ms');
    expect(formatMs(1234)).toBe('1.23 s');
    expect(formatMs(75_000)).toBe('1 min 15 s');
  });
});

describe('what the Build view says will run matches what the core shows once it runs', () => {
  const context = '/work/hello';
  const platforms = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
  const tag = 'localhost:5000/hello:1';

  it('the modern way', () => {
    expect(previewCommands({ mode: 'modern', platforms, tag, context, builder: 'default', noCache: true })).toEqual([
      modernEquivalent({ context, builder: 'default', noCache: true }, platforms, tag),
    ]);
  });

  it('the old-school way, per-platform tags included', () => {
    const ref = parseImageReference(tag);
    const tags = platforms.map((p) => platformTag(ref, p));
    expect(previewCommands({ mode: 'old-school', platforms, tag, context, builder: 'default', dockerfile: 'build/Dockerfile' })).toEqual([
      ...platforms.flatMap((p, i) => [oldSchoolBuildEquivalent({ context, builder: 'default', dockerfile: 'build/Dockerfile' }, p, tags[i]!), pushEquivalent(tags[i]!)]),
      manifestCreateEquivalent(ref, tag, tags),
      manifestPushEquivalent(ref, tag),
    ]);
  });
});

describe('the automatic builder is the one the core picks', () => {
  const driver = (multiPlatform: boolean) => ({ multiPlatform }) as DefaultDriverExplanation;
  it.each([
    ['modern', true],
    ['modern', false],
    ['old-school', true],
    ['old-school', false],
  ] as const)('%s with the containerd store %s', (mode, containerd) => {
    const ui = automaticBuilder(mode, driver(containerd), 'mybuilder', ['default', 'mybuilder']);
    const core = chooseBuilder({ mode, containerdImageStore: containerd, defaultBuilder: 'default', configuredBuilder: 'mybuilder' });
    expect(ui.name).toBe(core.name);
    expect(ui.missing).toBe(false);
  });

  it('says so when the builder it would pick does not exist yet', () => {
    expect(automaticBuilder('modern', driver(false), 'mybuilder', ['default']).missing).toBe(true);
    expect(automaticBuilder('modern', null, 'mybuilder', null).name).toBeNull();
  });
});

describe('the run command as typed', () => {
  it.each([
    ['', undefined],
    ['   ', undefined],
    ['uname -m', ['uname', '-m']],
    ['  sh   -c  id ', ['sh', '-c', 'id']],
  ])('%j -> %j', (text, args) => expect(commandArgs(text)).toEqual(args));
});
