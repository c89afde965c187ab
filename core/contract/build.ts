/**
 * Guided multi-arch builds and the tutorial: inputs, results and the events a build streams.
 * The lead spreads `buildChannels` into `channels`.
 */
import * as z from 'zod';
import { Empty, FsPath, ImageReference, PlatformString, ResourceName } from './common.js';
import { channel, taskChannel } from './define.js';
import type { SerializedError } from './errors.js';

export const BuildMode = z.enum(['modern', 'old-school']);
export type BuildMode = z.infer<typeof BuildMode>;

/** A build argument or label key as docker accepts it. */
const ArgName = z.string().min(1).max(256).regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'letters, digits, "_", "." and "-", not starting with a digit');
const ArgValue = z.string().max(4096).refine((v) => !v.includes('\0'), 'value contains a NUL byte');

export const BuildRunInput = z
  .object({
    /** The folder sent to BuildKit as the build context. */
    context: FsPath,
    /** The Dockerfile, relative to the context or absolute; `Dockerfile` in the context when absent. */
    dockerfile: FsPath.optional(),
    platforms: z.array(PlatformString).min(1).max(16),
    /** Where the result is pushed, e.g. localhost:5000/hello:1. */
    tag: ImageReference.refine((r) => !r.includes('@'), 'push to a tag, not a digest'),
    mode: BuildMode.default('modern'),
    /** A buildx builder by name; when absent the app picks one (see the Build view). */
    builder: ResourceName.optional(),
    noCache: z.boolean().optional(),
    /** The registry speaks plain HTTP and is not on localhost (a LAN address): read the result back over HTTP too. */
    insecure: z.boolean().optional(),
    /**
     * A build cache kept in a registry, e.g. localhost:5000/hello:buildcache: read before the build
     * (--cache-from) and written after it (--cache-to, every stage). Old-school builds keep one ref per
     * platform (hello:buildcache-arm64 …), since each export replaces the whole ref.
     */
    cacheRef: ImageReference.refine((r) => !r.includes('@'), 'a cache is kept under a tag, not a digest').optional(),
    buildArgs: z.record(ArgName, ArgValue).optional(),
    /** Extra image labels (tests mark their images with them). */
    labels: z.record(ArgName, ArgValue).optional(),
  })
  .strict()
  .refine((v) => new Set(v.platforms).size === v.platforms.length, { message: 'each platform may be named once', path: ['platforms'] })
  .refine((v) => v.cacheRef === undefined || v.cacheRef !== v.tag, { message: 'the cache would replace the image: keep it under another tag', path: ['cacheRef'] });
export type BuildRunInput = z.input<typeof BuildRunInput>;
export type BuildRunParsed = z.output<typeof BuildRunInput>;

/** Reads a project's Dockerfile and checks it before a build (the build itself checks again). */
export const BuildCheckInput = z
  .object({
    context: FsPath,
    /** Relative to the context or absolute; `Dockerfile` in the context when absent. */
    dockerfile: FsPath.optional(),
  })
  .strict();

/** The readiness check of a Dockerfile for several platforms (`multiarch-lab check DIR`). */
export const BuildReadinessInput = z
  .object({
    context: FsPath,
    dockerfile: FsPath.optional(),
    platforms: z.array(PlatformString).min(1).max(16).default(['linux/amd64', 'linux/arm64']),
    /** Read base images from a plain-HTTP registry that is not on localhost. */
    insecure: z.boolean().optional(),
  })
  .strict();

export type ReadinessRule = 'base-platform' | 'fixed-platform' | 'arch-constant' | 'emulated-compile' | 'entrypoint-script' | DockerfileWarning['code'];

export interface ReadinessFinding {
  rule: ReadinessRule;
  /** error: the build will fail or produce a wrong image; warning: likely wrong; info: slow or unchecked. */
  severity: 'error' | 'warning' | 'info';
  line: number;
  /** The Dockerfile line as written. */
  text: string;
  message: string;
  /** Why it matters for a multi-platform image. */
  why: string;
  /** The change to make. */
  fix: string;
  platforms?: string[];
}

export interface ReadinessReport {
  context: string;
  dockerfile: string;
  platforms: string[];
  /** What the builder runs natively (the engine's platform): stages on $BUILDPLATFORM run as this. */
  buildPlatform: string;
  findings: ReadinessFinding[];
  /** Each base image read from its registry: its platforms and the requested ones it lacks, or why it could not be read. */
  bases: Array<{ line: number; image: string; platforms?: string[]; missing: string[]; cannotTell?: string }>;
  /** No finding of severity error. */
  ready: boolean;
}

export interface BuildCheckResult {
  /** The context as an absolute path. */
  context: string;
  /** The Dockerfile that would be built, as an absolute path. */
  dockerfile: string;
  /** Its text, so the screen can show it and point at a failing line. */
  text: string;
  warnings: DockerfileWarning[];
}

export const TutorialInitInput = z
  .object({
    /** Where to write the sample; `<workspace>/hello-multiarch` when absent. */
    dir: FsPath.optional(),
    /** The base image, default alpine:3.15. */
    base: ImageReference.optional(),
    /** Replace files that already exist. */
    overwrite: z.boolean().optional(),
    /** Take the sample already in the folder as it is, writing nothing. */
    useExisting: z.boolean().optional(),
    /**
     * Which sample: `plain` (every step on the target platform) or `fast` (the work in a
     * `FROM --platform=$BUILDPLATFORM` stage, copied into the target with COPY --from).
     */
    sample: z.enum(['plain', 'fast']).optional(),
  })
  .strict();

export type BuildStepState = 'waiting' | 'running' | 'cached' | 'done' | 'error' | 'cancelled';

/** One Dockerfile step of one platform, e.g. `[linux/arm64 2/3] COPY <<-SCRIPT /hello.sh`. */
export interface BuildStepProgress {
  /** 1-based position among the stage's steps, when BuildKit numbered it. */
  index?: number;
  total?: number;
  /** The instruction as BuildKit names it: `RUN chmod +x /hello.sh`. */
  name: string;
  /** Set for named or numbered stages other than the last (`[builder 2/4]`). */
  stage?: string;
  /** The platform the step ran as, when not the target's (a `FROM --platform=$BUILDPLATFORM` stage cross-building). */
  runsAs?: string;
  state: BuildStepState;
  cached: boolean;
  /** Milliseconds since the epoch. */
  startedAt?: number;
  endedAt?: number;
  error?: string;
  /** Bytes moved by pulls and pushes of this step, when BuildKit reported them. */
  current?: number;
  totalBytes?: number;
  /** How many log lines the step printed (the lines travel as `build:log` events). */
  logLines: number;
}

export interface PlatformProgress {
  platform: string;
  /** The builder node that builds it, for builders with several nodes (by buildx's rule: the node that pins it). */
  node?: string;
  state: BuildStepState;
  steps: BuildStepProgress[];
  /** Steps finished (done or cached) out of the steps seen so far. */
  finished: number;
  startedAt?: number;
  endedAt?: number;
}

/** The Dockerfile line a failure points at. */
export interface DockerfileErrorLine {
  line: number;
  /** The text of that line. */
  text: string;
  /** The excerpt BuildKit printed around it, numbered lines as shown. */
  context?: string[];
  /** Which Dockerfile, as BuildKit names it (usually `Dockerfile`). */
  file?: string;
}

export interface DockerfileWarning {
  line: number;
  code: 'heredoc-spaces' | 'heredoc-unterminated' | 'syntax-image';
  message: string;
  hint: string;
}

export interface BuildLogLine {
  /** Absent for lines that belong to no platform (loading the Dockerfile, pushing). */
  platform?: string;
  /** The step name, e.g. `RUN chmod +x /hello.sh`. */
  step?: string;
  /** 1 stdout, 2 stderr, 0 for the app's own lines. */
  stream: 0 | 1 | 2;
  text: string;
}

/** A batch of log lines of one build; sent often, kept small. */
export interface BuildLogEvent {
  taskId: string;
  lines: BuildLogLine[];
}

/** The structured state of a build, sent (throttled) while it runs. */
export interface BuildProgressEvent {
  taskId: string;
  mode: BuildMode;
  platforms: PlatformProgress[];
}

export interface PlatformImage {
  platform: string;
  /** The per-platform tag (old-school), e.g. localhost:5000/hello:1-arm64. */
  reference?: string;
  digest: string;
  mediaType: string;
  size: number;
}

export interface BuildDurations {
  totalMs: number;
  /** From the first build command to the last one ending (they overlap in old-school mode). */
  buildMs: number;
  /** Old-school: joining the per-platform manifests into one list. */
  joinMs?: number;
}

/**
 * How a step's programs ran: on the node's own CPU, through an emulator (its platform is not the node's), or
 * `none` when the step runs no program of the image (FROM, COPY, a push); `unknown` when the node's own
 * platform could not be read.
 */
export type StepExecution = 'native' | 'emulated' | 'none' | 'unknown';

export interface StepTiming {
  name: string;
  stage?: string;
  index?: number;
  /** Wall time from BuildKit's start and end marks; absent when it did not report both. */
  ms?: number;
  cached: boolean;
  /** The platform the step ran as (the build platform for a `FROM --platform=$BUILDPLATFORM` stage). */
  runsAs: string;
  execution: StepExecution;
}

export interface PlatformTiming {
  platform: string;
  /** The builder node that built this platform, when the builder has more than one. */
  node?: string;
  /** What that node (its engine's CPU) runs without emulation, e.g. linux/amd64; absent when unknown. */
  nativePlatform?: string;
  /** From its first step's start to its last step's end. */
  wallMs?: number;
  /** Time of steps that ran programs through an emulator, and of those that ran them natively. */
  emulatedMs: number;
  nativeMs: number;
  cachedSteps: number;
  totalSteps: number;
  steps: StepTiming[];
  /** The emulated step that took longest; `ratio` only when the same step also ran natively (uncached) for another platform. */
  slowestEmulated?: { name: string; ms: number; nativeMs?: number; comparedWith?: string; ratio?: number };
  /** One line a person reads at a glance. */
  summary: string;
}

export interface BuildTiming {
  platforms: PlatformTiming[];
}

/** One build of a tag, as the build history keeps it. */
export interface BuildHistoryEntry {
  /** ISO time the build ended. */
  at: string;
  reference: string;
  mode: BuildMode;
  builder: string;
  noCache: boolean;
  digest: string;
  totalMs: number;
  platforms: Array<Pick<PlatformTiming, 'platform' | 'node' | 'nativePlatform' | 'wallMs' | 'emulatedMs' | 'nativeMs' | 'cachedSteps' | 'totalSteps' | 'summary'>>;
}

export const BuildHistoryInput = z
  .object({
    /** The pushed reference, e.g. localhost:5000/hello:1; every tag when absent. */
    reference: ImageReference.optional(),
    limit: z.number().int().min(1).max(500).default(50),
  })
  .strict();

export interface BuildResult {
  mode: BuildMode;
  /** What was pushed, as given: localhost:5000/hello:1. */
  reference: string;
  registry: string;
  repository: string;
  tag: string;
  /** The digest of the index (from the registry), so the exact result can be pulled by digest. */
  digest: string;
  mediaType: string;
  /** The platforms the index lists, e.g. linux/amd64, linux/arm64. */
  platforms: string[];
  images: PlatformImage[];
  builder: string;
  durations: BuildDurations;
  /** The same work as docker CLI commands, as argument arrays, in order. */
  commands: string[][];
  timeline: PlatformProgress[];
  /** The last lines of the log (every line went out as `build:log` events). */
  logTail: BuildLogLine[];
  logLineCount: number;
  warnings: DockerfileWarning[];
  /** Images the build left in the engine's local store (the docker driver keeps a copy). */
  localImages: string[];
  /** What reached the registry: the tag (modern), or each per-platform tag and then the list (old-school). */
  pushed: string[];
  /** Why the registry was reached over plain HTTP, when it is not on loopback. */
  plainHttpNote?: string;
  /**
   * The push landed but a later step failed (joining the list, reading it back). The build is not failed:
   * this says which step and why. `digest`, `platforms` and `images` are empty when nothing could be read back.
   */
  afterPush?: BuildAfterPushFailure;
  /** Where the time went, per platform and per step. */
  timing: BuildTiming;
  /** The registry cache, when one was asked for: whether the builder could read and write it, and why not. */
  cache?: {
    ref: string;
    used: boolean;
    /** The refs read and written: the one ref, or one per platform (`REF-<arch>`). */
    refs?: string[];
    /** Why no cache was used, what the cache cannot do on this builder, or why the build was split per node. */
    reason?: string;
    /**
     * A modern build split per node (the cache on a builder with several nodes, its platforms on two or more):
     * one buildx build per node, each with its platforms' refs, pushed by digest and joined under the tag.
     */
    split?: NodeBuildResult[];
  };
}

/** One node's buildx build of a build split per node. */
export interface NodeBuildResult {
  /** The node that ran it: as buildx's metadata names it (`buildx.build.ref`), else the node planned for it. */
  node: string;
  /** The node the builder's pins (or its first node) gave these platforms before the build. */
  plannedNode: string;
  /** True when buildx's metadata named the node that ran it. */
  confirmed: boolean;
  platforms: string[];
  /** The cache refs it read and wrote (`REF-<arch>` per platform). */
  refs: string[];
  /** What it pushed: the repository at the digest (no tag). */
  pushed?: string;
}

export interface BuildAfterPushFailure {
  /** The task step that failed: `join`, `push-list` or `verify`. */
  step: string;
  title: string;
  error: SerializedError;
}

/** Extra facts a failed build carries in its error's `details`. */
export interface BuildFailureDetails {
  dockerfileError?: DockerfileErrorLine;
  platform?: string;
  /** A build split per node: the node whose build failed, and the platforms it was building. */
  node?: string;
  nodePlatforms?: string[];
  step?: string;
  timeline?: PlatformProgress[];
  logTail?: BuildLogLine[];
  command?: string[];
}

export interface TutorialInitResult {
  dir: string;
  files: string[];
  dockerfile: string;
  base: string;
  sample: 'plain' | 'fast';
  /** Whether the `# syntax=docker/dockerfile:1-labs` line was added, and why. */
  labsSyntax: { added: boolean; reason: string };
  warnings: DockerfileWarning[];
}

export type TutorialArea = 'doctor' | 'registry' | 'builder' | 'build' | 'runs';

export interface TutorialExplanation {
  /** Short title, e.g. "What is a platform?" */
  title: string;
  body: string;
}

export interface TutorialStep {
  id: TutorialArea;
  title: string;
  /** One sentence: what this step achieves. */
  goal: string;
  /** What to do in this step, in order. */
  actions: string[];
  explanations: TutorialExplanation[];
  /** The CLI command that does this step, as an argument array. */
  command: string[];
  /** How a user knows the step is done. */
  doneWhen: string;
}

export interface TutorialSteps {
  steps: TutorialStep[];
  /** Terms used across the steps, for a glossary panel. */
  glossary: TutorialExplanation[];
}

export const buildChannels = {
  'build:run': taskChannel<BuildResult>()('build', BuildRunInput),
  'build:check': channel<BuildCheckResult>()(BuildCheckInput),
  /** Rules of our own for a Dockerfile meant for several platforms. */
  'build:readiness': channel<ReadinessReport>()(BuildReadinessInput),
  /** Past builds, newest first: time per platform across builds of a tag. */
  'build:history': channel<BuildHistoryEntry[]>()(BuildHistoryInput),
  'tutorial:init': channel<TutorialInitResult>()(TutorialInitInput),
  'tutorial:steps': channel<TutorialSteps>()(Empty),
} as const;

export type BuildErrorShape = SerializedError & { details?: BuildFailureDetails };
