/**
 * The run matrix: run every platform variant of an image, compare what it printed with what that platform
 * should print, and keep the outcome as history. The lead spreads `runsChannels` into `channels`.
 */
import * as z from 'zod';
import { ImageReference, PlatformString } from './common.js';
import { channel, taskChannel } from './define.js';
import type { SerializedError } from './errors.js';
import type { Verdict } from './verify.js';

/** A saved run's id, as `runs:list` shows it: `20261127-041502-3f9a`. Never a path. */
export const RunId = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'a run id is letters, digits, "_" and "-" only');

export const DEFAULT_RUN_TIMEOUT_MS = 60_000;
export const DEFAULT_RUN_CONCURRENCY = 2;

export const RunsStartInput = z
  .object({
    reference: ImageReference,
    /** Only these platforms; default: every platform of the image. */
    platforms: z.array(PlatformString).min(1).max(32).optional(),
    /** Per run, from start to exit; the container is killed when it is over. */
    timeoutMs: z.number().int().min(1_000).max(3_600_000).optional(),
    concurrency: z.number().int().min(1).max(8).default(DEFAULT_RUN_CONCURRENCY),
    /** Overrides the image's CMD, as an argument array (e.g. ["uname", "-m"]). */
    command: z.array(z.string().max(4096)).min(1).max(64).optional(),
    /** Talk plain HTTP to a registry other than localhost when reading its platforms. */
    insecure: z.boolean().optional(),
  })
  .strict();

export const RunsGetInput = z.object({ id: RunId }).strict();
export const RunsExportInput = z.object({ id: RunId, format: z.enum(['json', 'markdown']) }).strict();
export const RunsHostsInput = z.object({ reference: ImageReference, insecure: z.boolean().optional() }).strict();

/** How a platform's code ran on this engine. `unknown`: not the engine's own CPU, and we could not see its emulators. */
export type RunExecution = 'native' | 'emulated' | 'unavailable' | 'unknown';
export type RunResult = 'pass' | 'fail' | 'unverified';
export type RunFailure =
  | 'mismatch'
  | 'label-mismatch'
  /** It ran (maybe printed the right machine), but the image's own files are built for another one. */
  | 'files-mismatch'
  | 'exec-format'
  | 'exit-code'
  | 'timeout'
  | 'pull-failed'
  | 'not-in-image'
  | 'engine-error';

export interface ExpectedMachine {
  /** What `uname -m` prints, e.g. `aarch64`. */
  machine: string;
  /** Why this one also counts, when it is not the platform's own name (e.g. QEMU emulating a newer ARM CPU). */
  note?: string;
}

/** What `registry:verify` found in this platform's files, read beside the run: the evidence for its explanation. */
export interface RunVerification {
  verdict: Verdict;
  /** The verification's own one line. */
  summary: string;
  /** The file the entrypoint resolves to (after PATH lookup and symlinks), when found. */
  entrypoint?: string;
  /** The finding that explains this run's failure, or that flags a run which only looked right. */
  cause?: string;
  fix?: string;
  /** The file in the image the cause is about. */
  path?: string;
  /** The files could not be read; the verdict is then unknown. */
  error?: SerializedError;
}

export interface PlatformRun {
  platform: string;
  /** The manifest the index lists for this platform. */
  manifestDigest?: string;
  /** os/arch[/variant] as the image config says, when it differs from the index label or for the record. */
  configPlatform?: string;
  /** What the platform should print, first the usual answer. */
  expected: ExpectedMachine[];
  /** `x86_64 or amd64`: the expected answers in words. */
  expectedText: string;
  /** The machine name found in the output, or null. */
  printed: string | null;
  result: RunResult;
  failure?: RunFailure;
  /** What went wrong and why, in plain words. */
  explanation?: string;
  /** Something worth knowing even when it passed (e.g. which ARM CPU QEMU pretends to be). */
  note?: string;
  execution: RunExecution;
  /** The CPU or emulator that ran it, e.g. "qemu-aarch64 via binfmt_misc". */
  executionVia?: string;
  stdout: string;
  stderr: string;
  /** The output was longer than what is kept. */
  outputTruncated?: boolean;
  exitCode: number | null;
  timedOut: boolean;
  /** From start to exit, in ms. */
  durationMs: number;
  pullMs?: number;
  /** The same run with the docker CLI, as an argument array. */
  command: string[];
  error?: SerializedError;
  /** The same platform checked from its files without running it (absent in runs saved before this existed). */
  verification?: RunVerification;
}

export interface HostProfile {
  id: string;
  /** e.g. "Raspberry Pi 3/4/5 on a 32-bit OS". */
  label: string;
  /** The platform its engine asks for, e.g. linux/arm/v7. */
  platform: string;
}

export interface HostChoice {
  host: HostProfile;
  /** The index entry this host pulls, or null when none fits. */
  chosen: string | null;
  /**
   * `exact`: the host's own platform; `fallback`: an older variant it also runs; `foreign`: the reference is a
   * single image of another platform, pulled as it is (it then needs an emulator); `none`: nothing fits.
   */
  match: 'exact' | 'fallback' | 'foreign' | 'none';
  /** In plain words. */
  note: string;
}

export interface RunMatrix {
  id: string;
  reference: string;
  /** The digest of what the registry served for the reference (the index, or a single manifest). */
  digest: string;
  /** Every platform of the image, attestations left out. */
  imagePlatforms: string[];
  command: string[] | null;
  timeoutMs: number;
  concurrency: number;
  engine: { endpoint: string; arch: string; version?: string };
  /** Where native/emulated came from. */
  emulationSource: 'binfmt_misc' | 'builder' | 'none';
  startedAt: string;
  endedAt: string;
  durationMs: number;
  runs: PlatformRun[];
  summary: { passed: number; failed: number; unverified: number };
  /** No run failed. */
  ok: boolean;
  hostChoices: HostChoice[];
}

export interface RunSummary {
  id: string;
  reference: string;
  digest: string;
  startedAt: string;
  durationMs: number;
  platforms: string[];
  summary: RunMatrix['summary'];
  ok: boolean;
}

export interface RunExport {
  id: string;
  format: 'json' | 'markdown';
  /** A file name to suggest when saving. */
  fileName: string;
  text: string;
}

export interface HostChoices {
  reference: string;
  digest: string;
  imagePlatforms: string[];
  choices: HostChoice[];
  /** Why the registry was read over plain HTTP, when it is not on loopback. */
  plainHttpNote?: string;
}

export const runsChannels = {
  'runs:start': taskChannel<RunMatrix>()('runs', RunsStartInput),
  'runs:list': channel<RunSummary[]>()(z.object({}).strict()),
  'runs:get': channel<RunMatrix>()(RunsGetInput),
  'runs:export': channel<RunExport>()(RunsExportInput),
  'runs:delete': channel<{ deleted: boolean }>()(RunsGetInput),
  'runs:hosts': channel<HostChoices>()(RunsHostsInput),
} as const;
