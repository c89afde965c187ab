/**
 * Whether the tour's last two steps are done, judged from facts about the tour's own image: the tag this
 * user built (and the digest the build pushed), what the registry answers for that tag now, and runs of
 * that exact digest. Each judgement says what it checked, so a "done" can be verified by the reader.
 */
import type { RunSummary } from '../contract/runs.js';

/** The image the tour built: what the last successful build pushed. */
export interface TourImage {
  reference: string;
  digest: string;
  platforms: string[];
}

/** The platforms the tour's goal names. */
export const TOUR_PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];

/** The tag the tour suggests: it meets the build step's goal as written. */
export function tourTag(registryAddress: string): string {
  return `${registryAddress}/hello:1`;
}

export interface StepJudgement {
  done: boolean;
  /** What was checked and what it showed, in one or two sentences. */
  checked: string;
}

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

/** What the registry answered for the tour's tag: the index it serves, or the error it gave. */
export type RegistryAnswer = { digest: string; platforms: string[] } | { error: string };

export function judgeTourBuild(image: TourImage | null, answer: RegistryAnswer | null): StepJudgement {
  if (!image) return { done: false, checked: 'No build of this tour has finished yet.' };
  if (!answer) return { done: false, checked: `Asking the registry about ${image.reference}…` };
  if ('error' in answer) return { done: false, checked: `Asked the registry for ${image.reference}: ${answer.error}` };
  const missing = TOUR_PLATFORMS.filter((p) => !answer.platforms.includes(p));
  const listed = answer.platforms.length ? answer.platforms.join(', ') : 'no platform';
  if (answer.digest !== image.digest) {
    return {
      done: false,
      checked: `The registry serves ${image.reference} as ${short(answer.digest)}, not the ${short(image.digest)} this tour built: the tag was pushed again since.`,
    };
  }
  if (missing.length) {
    return { done: false, checked: `The registry serves ${image.reference} (${short(answer.digest)}) with ${listed}; the goal also names ${missing.join(', ')}.` };
  }
  return { done: true, checked: `The registry serves ${image.reference} (${short(answer.digest)}, the digest this tour built) as one index of ${listed}.` };
}

/** Done when a run of the tour's own digest passed on every platform; runs of other images do not count. */
export function judgeTourRuns(image: TourImage | null, history: RunSummary[] | null): StepJudgement {
  if (!image) return { done: false, checked: 'Nothing to run yet: build the tour’s image first.' };
  if (!history) return { done: false, checked: 'Reading the run history…' };
  const own = history.filter((r) => r.digest === image.digest);
  if (own.length === 0) return { done: false, checked: `No run of ${image.reference} (${short(image.digest)}) yet.` };
  const passed = own.find((r) => r.ok && r.summary.failed === 0 && r.summary.unverified === 0 && image.platforms.every((p) => r.platforms.includes(p)));
  if (passed) {
    return {
      done: true,
      checked: `The run of ${short(image.digest)} at ${new Date(passed.startedAt).toLocaleString()} printed the expected machine name on all ${passed.platforms.length} platforms.`,
    };
  }
  const last = own[0]!;
  return {
    done: false,
    checked: `${own.length} run(s) of ${short(image.digest)}; the latest: ${last.summary.passed} passed, ${last.summary.failed} failed, ${last.summary.unverified} unverified.`,
  };
}
