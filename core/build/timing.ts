/**
 * Where a build's time went, per platform and per step, from the timeline the rawjson progress gave:
 * wall time, cached or not, and whether a step's programs ran natively or under emulation (the platform
 * the step ran as against the native platform of the node that built it). Pure functions, no clock.
 */
import type { BuildTiming, PlatformProgress, PlatformTiming, StepExecution, StepTiming } from '../contract/build.js';
import { parsePlatform } from '../platform.js';

export interface PlatformPlacement {
  /** The node that builds the platform; shown only when the builder has several. */
  node?: string;
  /** What that node runs without emulation (its engine's OS and CPU), e.g. linux/amd64. */
  nativePlatform?: string;
}

export { nativePlatformOf } from '../builder/node-platform.js';

/** The same OS and CPU architecture: a program built for one runs on the other without an emulator. */
export function runsNatively(platform: string, native: string): boolean {
  try {
    const p = parsePlatform(platform);
    const n = parsePlatform(native);
    return p.os === n.os && p.architecture === n.architecture;
  } catch {
    return false;
  }
}

/** Only RUN executes the image's programs; FROM, COPY, ADD and the push move files. */
function runsPrograms(name: string): boolean {
  return /^RUN\b/i.test(name.trim());
}

function stepMs(startedAt?: number, endedAt?: number): number | undefined {
  return startedAt !== undefined && endedAt !== undefined && endedAt >= startedAt ? endedAt - startedAt : undefined;
}

/** `80 ms`, `3.1 s`, `41 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

function formatRatio(r: number): string {
  return r >= 10 ? `${Math.round(r)}×` : `${r.toFixed(1)}×`;
}

/** Steps of different platforms at the same place in the Dockerfile (the name may differ: BuildKit expands ARGs in it). */
function positionKey(s: { stage?: string; index?: number; name: string }): string {
  return s.index !== undefined ? `${s.stage ?? ''}\u0000${s.index}` : `name\u0000${s.name}`;
}

export interface TimingOptions {
  /**
   * Stages that run as the build platform (`FROM --platform=$BUILDPLATFORM`, read from the Dockerfile). A build
   * for one platform names no platform in its steps, so only the Dockerfile tells that such a stage ran natively.
   */
  buildPlatformStages?: ReadonlySet<string>;
}

function stepTimings(progress: PlatformProgress, placement: PlatformPlacement, options: TimingOptions): StepTiming[] {
  return progress.steps.map((s) => {
    const onBuildPlatform = s.runsAs === undefined && s.stage !== undefined && options.buildPlatformStages?.has(s.stage.toLowerCase());
    // BUILDPLATFORM is the platform of the node that builds: its own; unknown when the node's is
    const runsAs = s.runsAs ?? (onBuildPlatform ? (placement.nativePlatform ?? 'the build platform') : progress.platform);
    let execution: StepExecution;
    if (!runsPrograms(s.name)) execution = 'none';
    else if (!placement.nativePlatform) execution = 'unknown';
    else if (onBuildPlatform) execution = 'native';
    else execution = runsNatively(runsAs, placement.nativePlatform) ? 'native' : 'emulated';
    const t: StepTiming = { name: s.name, cached: s.cached || s.state === 'cached', runsAs, execution };
    if (s.stage) t.stage = s.stage;
    if (s.index !== undefined) t.index = s.index;
    const ms = stepMs(s.startedAt, s.endedAt);
    if (ms !== undefined) t.ms = ms;
    return t;
  });
}

/**
 * The per-platform timing of a finished build. `placementOf` says which node built a platform and what that
 * node runs natively; a platform it knows nothing about gets `unknown` for its RUN steps, never a guess.
 */
export function buildTiming(timeline: readonly PlatformProgress[], placementOf: (platform: string) => PlatformPlacement, options: TimingOptions = {}): BuildTiming {
  const rows = timeline.map((p) => {
    const placement = placementOf(p.platform);
    return { progress: p, placement, steps: stepTimings(p, placement, options) };
  });

  const platforms = rows.map(({ progress, placement, steps }): PlatformTiming => {
    const ran = steps.filter((s) => !s.cached);
    const sum = (kind: StepExecution) => ran.filter((s) => s.execution === kind).reduce((a, s) => a + (s.ms ?? 0), 0);
    const out: PlatformTiming = {
      platform: progress.platform,
      emulatedMs: sum('emulated'),
      nativeMs: sum('native'),
      cachedSteps: steps.filter((s) => s.cached).length,
      totalSteps: steps.length,
      steps,
      summary: '',
    };
    if (placement.node) out.node = placement.node;
    if (placement.nativePlatform) out.nativePlatform = placement.nativePlatform;
    const wall = stepMs(progress.startedAt, progress.endedAt);
    if (wall !== undefined) out.wallMs = wall;

    const emulated = ran.filter((s) => s.execution === 'emulated' && s.ms !== undefined).sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0));
    const slowest = emulated[0];
    if (slowest?.ms !== undefined) {
      const entry: NonNullable<PlatformTiming['slowestEmulated']> = { name: slowest.name, ms: slowest.ms };
      // The same Dockerfile step, run natively and not from the cache, for another platform of this build.
      const key = positionKey(slowest);
      const twin = rows
        .filter((r) => r.progress.platform !== progress.platform)
        .flatMap((r) => r.steps.filter((s) => !s.cached && s.execution === 'native' && s.ms !== undefined && s.ms > 0 && positionKey(s) === key).map((s) => ({ s, platform: r.progress.platform })))
        .sort((a, b) => (a.s.ms ?? 0) - (b.s.ms ?? 0))[0];
      if (twin?.s.ms && slowest.ms > 0) {
        entry.nativeMs = twin.s.ms;
        entry.comparedWith = twin.platform;
        entry.ratio = slowest.ms / twin.s.ms;
      }
      out.slowestEmulated = entry;
    }
    out.summary = summaryLine(out, emulated.length);
    return out;
  });
  return { platforms };
}

function summaryLine(t: PlatformTiming, emulatedSteps: number): string {
  const head = `${t.platform}${t.node ? ` on ${t.node}` : ''}: ${t.wallMs !== undefined ? formatDuration(t.wallMs) : 'time not reported'}`;
  if (t.totalSteps > 0 && t.cachedSteps === t.totalSteps) return `${head}, every step from the cache`;
  const parts: string[] = [];
  const programSteps = t.steps.filter((s) => !s.cached && s.execution !== 'none');
  const cross = programSteps.filter((s) => s.runsAs !== t.platform && s.execution === 'native');
  const crossNote = cross.length ? `${cross.length} RUN step${cross.length > 1 ? 's' : ''} cross-built natively as ${cross[0]!.runsAs}` : '';
  if (t.emulatedMs > 0 && t.slowestEmulated) {
    const e = t.slowestEmulated;
    const where = emulatedSteps === 1 || e.ms >= t.emulatedMs / 2 ? ` in \`${e.name}\`` : ` over ${emulatedSteps} steps, most in \`${e.name}\``;
    const ratio = e.ratio !== undefined && e.comparedWith ? ` (${formatRatio(e.ratio)} ${e.comparedWith})` : '';
    parts.push(`${formatDuration(t.emulatedMs)} of it emulated${where}${ratio}`);
    if (crossNote) parts.push(crossNote);
  } else if (programSteps.some((s) => s.execution === 'unknown')) {
    parts.push('native or emulated cannot be told (the node\'s own platform could not be read)');
  } else if (programSteps.length) {
    parts.push(crossNote ? `every program ran natively (${crossNote})` : 'every program ran natively');
  } else if (t.steps.some((s) => s.cached && s.execution !== 'none')) {
    parts.push('its RUN steps came from the cache, so nothing ran emulated');
  } else {
    parts.push('no RUN step, so nothing ran emulated');
  }
  if (t.cachedSteps > 0) parts.push(`${t.cachedSteps} of ${t.totalSteps} steps from the cache`);
  return `${head}, ${parts.join(', ')}`;
}
