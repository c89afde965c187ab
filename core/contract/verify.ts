/**
 * Verify: every platform of an image checked from its own files, without running it. The lead spreads
 * `verifyChannels` into `channels`.
 */
import * as z from 'zod';
import { ImageReference, PlatformString } from './common.js';
import { channel } from './define.js';
import type { SerializedError } from './errors.js';

export const RegistryVerifyInput = z
  .object({
    reference: ImageReference,
    /** Only these platforms (os/arch[/variant]); all of them when absent. */
    platforms: z.array(PlatformString).min(1).max(32).optional(),
    insecure: z.boolean().optional(),
    /** Also judge whether this machine can start each platform (binfmt_misc); default true. */
    hostCheck: z.boolean().optional(),
  })
  .strict();
export type RegistryVerifyInput = z.input<typeof RegistryVerifyInput>;

export type ElfMachine = 'x86-64' | 'i386' | 'aarch64' | 'arm' | 'riscv' | 'ppc64' | 'ppc' | 's390' | 'mips' | 'loongarch' | 'other';

export interface ElfFacts {
  bits: 32 | 64;
  endian: 'little' | 'big';
  machine: ElfMachine;
  /** e_machine as written in the file. */
  machineCode: number;
  type: 'executable' | 'shared-object' | 'relocatable' | 'core' | 'other';
  /** dynamic: has a loader (PT_INTERP); static-pie: position independent, no loader. */
  linking: 'static' | 'static-pie' | 'dynamic';
  /** The loader path from PT_INTERP; null when it lies beyond the bytes read. */
  interpreter?: string | null;
  arm?: {
    eabi: number;
    floatAbi: 'hard' | 'soft' | 'unknown';
    archVersion?: 'v4' | 'v5' | 'v6' | 'v7' | 'v8';
    profile?: string;
    cpuName?: string;
    /** Where the version came from, or why it is not known. */
    archVersionSource: string;
  };
  /** Fields that could not be read. */
  problems?: string[];
}

/** What the first bytes of an executable file are. */
export type ExecContent =
  | { kind: 'elf'; elf: ElfFacts }
  | { kind: 'script'; interpreter: string; argument?: string; /** The #! line ends in a carriage return. */ crlf?: boolean }
  | { kind: 'empty' }
  | { kind: 'other'; /** The first bytes in hex, for the message. */ magic: string };

export type Verdict = 'ok' | 'mismatch' | 'will-not-start' | 'unknown';

export interface VerifyFinding {
  kind: Verdict;
  /** The file in the image this finding is about, when there is one. */
  path?: string;
  /** What is wrong, in plain words. */
  message: string;
  /** What to change. */
  fix?: string;
  /** For mismatches: the machine the file was built for, and the one the platform needs. */
  machine?: string;
  expected?: string;
}

export interface CheckedFile {
  path: string;
  /** Set when the path is a symlink: where it leads inside the image. */
  resolvedPath?: string;
  size: number;
  content: ExecContent;
  /** Words for the machine (ELF) or the interpreter (script). */
  summary: string;
  ok: boolean;
}

export interface EntrypointResolution {
  /** Entrypoint + Cmd as the engine joins them. */
  argv: string[];
  /** Where argv[0] was looked for (the PATH directories, or the one path). */
  searched: string[];
  /** The path found, before and after following symlinks. */
  path?: string;
  resolvedPath?: string;
  /** The chain the kernel follows: the program, then each #! interpreter, then the ELF loader. */
  chain: CheckedFile[];
}

export interface PlatformVerification {
  platform: string;
  digest: string;
  verdict: Verdict;
  /** One line that says what the verdict means and what to change. */
  summary: string;
  findings: VerifyFinding[];
  entrypoint?: EntrypointResolution;
  /** ELF files on the usual executable paths and in the entrypoint's chain. */
  files: { checked: number; mismatched: CheckedFile[]; sample: CheckedFile[] };
  /** Whether this machine can start the platform: native, emulated (binfmt_misc) or not. */
  host?: { support: 'native' | 'emulated' | 'unavailable'; via: string };
  layers: Array<{ digest: string; size: number; uncompressedSize?: number; compression?: string; error?: SerializedError }>;
  /** Attestation manifests in the index that describe this platform. */
  attestations: Array<{ digest: string; type?: string }>;
  error?: SerializedError;
}

export interface LayerShare {
  digest: string;
  size: number;
  platforms: string[];
}

export interface TimeOnlyDifference {
  /** Layers whose files have the same names, sizes, modes, owners and content, but other times. */
  layers: Array<{ digest: string; size: number; platforms: string[] }>;
  files: number;
  /** Compressed bytes stored and pulled more than once because of it. */
  wastedBytes: number;
}

export interface PlatformComparison {
  platforms: Array<{ platform: string; compressedSize: number; uncompressedSize: number; files: number; layers: number }>;
  sharedLayers: LayerShare[];
  /** Files present in some platforms and not others (the first ones; `onlyInSomeCount` counts all). */
  onlyInSome: Array<{ path: string; in: string[]; missingFrom: string[] }>;
  onlyInSomeCount: number;
  /** Platforms much smaller or larger than the median of all (with two platforms: the larger against the smaller). */
  sizeOutliers: Array<{ platform: string; uncompressedSize: number; median: number; ratio: number; message: string }>;
  timeOnly: TimeOnlyDifference[];
  wastedBytes: number;
}

export interface VerifyReport {
  reference: string;
  digest: string;
  mediaType: string;
  verdict: Verdict;
  platforms: PlatformVerification[];
  compare: PlatformComparison;
  /** Layers read, and bytes read from the registry (each layer once even when platforms share it). `reread`: layers
   * that matched another on their sampled bytes with other file times, read a second time with every byte hashed to
   * confirm they differ only in file times (not counted in the figures before it). */
  read: { layers: number; compressedBytes: number; uncompressedBytes: number; reread?: { layers: number; compressedBytes: number }; ms: number };
  /** Where the host check looked, or why it was skipped. */
  hostSource: string;
}

export const verifyChannels = {
  'registry:verify': channel<VerifyReport>()(RegistryVerifyInput),
} as const;
