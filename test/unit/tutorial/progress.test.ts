import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../core/contract/runs.js';
import { judgeTourBuild, judgeTourRuns, TOUR_PLATFORMS, tourTag, type TourImage } from '../../../core/tutorial/progress.js';
import { getTutorialSteps } from '../../../core/tutorial/steps.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const image: TourImage = { reference: 'localhost:5123/hello:1', digest: D1, platforms: [...TOUR_PLATFORMS] };

function run(digest: string, ok: boolean, platforms = TOUR_PLATFORMS): RunSummary {
  return { id: `r-${digest.slice(7, 10)}-${String(ok)}`, reference: 'x', digest, startedAt: '2026-12-01T12:00:00Z', durationMs: 900, platforms, summary: { passed: ok ? platforms.length : 0, failed: ok ? 0 : 1, unverified: 0 }, ok };
}

describe('the tour’s build mark', () => {
  it('is done only when the registry serves the digest this tour built, with the platforms the goal names', () => {
    expect(judgeTourBuild(image, { digest: D1, platforms: [...TOUR_PLATFORMS] })).toMatchObject({ done: true, checked: expect.stringContaining('localhost:5123/hello:1') });
    expect(judgeTourBuild(image, { digest: D2, platforms: [...TOUR_PLATFORMS] })).toMatchObject({ done: false, checked: expect.stringMatching(/pushed again/) });
    expect(judgeTourBuild(image, { digest: D1, platforms: ['linux/amd64'] })).toMatchObject({ done: false, checked: expect.stringMatching(/also names linux\/arm64, linux\/arm\/v7/) });
  });

  it('says what the registry answered when it does not hold the tag', () => {
    const j = judgeTourBuild(image, { error: 'The registry at localhost:5123 has no repository named hello (NAME_UNKNOWN).' });
    expect(j.done).toBe(false);
    expect(j.checked).toContain('NAME_UNKNOWN');
  });

  it('is not done without a build of this tour', () => {
    expect(judgeTourBuild(null, null).done).toBe(false);
  });
});

describe('the tour’s runs mark', () => {
  it('comes from runs of this tour’s digest only, never from someone else’s history', () => {
    expect(judgeTourRuns(image, [run(D2, true)]).done).toBe(false);
    expect(judgeTourRuns(image, [run(D1, false)]).done).toBe(false);
    expect(judgeTourRuns(image, [run(D2, true), run(D1, true)]).done).toBe(true);
    expect(judgeTourRuns(null, [run(D1, true)]).done).toBe(false);
  });
});

describe('the tour’s default tag and commands', () => {
  it('the default tag is the one the build step’s goal names', () => {
    const steps = getTutorialSteps({ cli: ['multiarch-lab'], sampleDir: '/abs/ws/hello-multiarch', port: 5123 }).steps;
    const build = steps.find((s) => s.id === 'build')!;
    expect(tourTag('localhost:5123')).toBe('localhost:5123/hello:1');
    expect(build.doneWhen).toContain(tourTag('localhost:5123'));
  });

  it('commands carry the CLI form that runs here, the absolute sample folder and the configured registry', () => {
    const steps = getTutorialSteps({ cli: ['node', '/abs/dist/cli/index.js'], sampleDir: '/abs/ws/hello-multiarch', port: 5123 }).steps;
    expect(steps.find((s) => s.id === 'build')!.command).toEqual([
      'node', '/abs/dist/cli/index.js', 'build', '/abs/ws/hello-multiarch', '--platform', 'linux/amd64,linux/arm64,linux/arm/v7', '--tag', 'localhost:5123/hello:1',
    ]);
    expect(steps.find((s) => s.id === 'runs')!.command).toEqual(['node', '/abs/dist/cli/index.js', 'run', 'localhost:5123/hello:1']);
    for (const s of steps) expect(s.command.slice(0, 2)).toEqual(['node', '/abs/dist/cli/index.js']);
  });
});
