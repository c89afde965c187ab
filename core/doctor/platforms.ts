/**
 * Which container platforms the engine can run: natively (its own CPU, or a 32-bit mode of it), emulated
 * (a binfmt_misc handler, or what the current builder reports), or not at all. Pure functions.
 */
import type { PlatformStatus } from '../contract/doctor.js';
import { handlerRuns, type BinfmtHandler, type BinfmtState } from '../docker/parsers/binfmt.js';
import { normalizeArch } from '../platform.js';

/** The platforms people build for most, in the order the Doctor shows them. */
export const COMMON_PLATFORMS = [
  'linux/amd64',
  'linux/386',
  'linux/arm64',
  'linux/arm/v7',
  'linux/arm/v6',
  'linux/riscv64',
  'linux/ppc64le',
  'linux/s390x',
] as const;

interface NativeEntry {
  platform: string;
  via: string;
  /** A 32-bit mode some CPUs of this family lack; an emulator registered for it takes over. */
  compat?: boolean;
}

/** Platforms a CPU of this architecture runs without emulation. */
export function nativePlatforms(engineArch: string): NativeEntry[] {
  const arch = normalizeArch(engineArch);
  const cpu = `the engine's own CPU (${engineArch})`;
  switch (arch) {
    case 'amd64':
      return [
        { platform: 'linux/amd64', via: cpu },
        { platform: 'linux/386', via: `the 32-bit mode of the ${engineArch} CPU`, compat: true },
      ];
    case 'arm64':
      return [
        { platform: 'linux/arm64', via: cpu },
        { platform: 'linux/arm/v7', via: `the 32-bit (AArch32) mode of the ${engineArch} CPU, which some arm64 CPUs lack`, compat: true },
        { platform: 'linux/arm/v6', via: `the 32-bit (AArch32) mode of the ${engineArch} CPU, which some arm64 CPUs lack`, compat: true },
      ];
    case 'arm/v7':
      return [
        { platform: 'linux/arm/v7', via: cpu },
        { platform: 'linux/arm/v6', via: `the ${engineArch} CPU (it runs armv6 code)` },
      ];
    case undefined:
      return [];
    default:
      return [{ platform: `linux/${arch}`, via: cpu }];
  }
}

export interface PlatformInputs {
  /** The engine's architecture as it reports it (x86_64, aarch64…). */
  engineArch: string;
  /** binfmt_misc of the engine's kernel, when we could read it (the engine runs on this machine). */
  binfmt: BinfmtState | null;
  /** The current builder's platforms, used for emulation when binfmt_misc cannot be read. */
  builder?: { name: string; platforms: string[] } | undefined;
}

export interface PlatformOutcome {
  platforms: PlatformStatus[];
  source: 'binfmt_misc' | 'builder' | 'none';
}

function describeHandler(h: BinfmtHandler): string {
  return `${h.name} via binfmt_misc${h.interpreter ? ` (${h.interpreter})` : ''}`;
}

export function classifyPlatforms(input: PlatformInputs, wanted: readonly string[] = COMMON_PLATFORMS): PlatformOutcome {
  const native = nativePlatforms(input.engineArch);
  const binfmt = input.binfmt;
  const source: PlatformOutcome['source'] = binfmt ? 'binfmt_misc' : input.builder ? 'builder' : 'none';
  const active = binfmt && binfmt.enabled ? binfmt.handlers.filter((h) => h.enabled) : [];

  const platforms = wanted.map((platform): PlatformStatus => {
    const nat = native.find((n) => n.platform === platform);
    const handler = active.find((h) => handlerRuns(h, platform));
    if (nat && !(nat.compat && handler)) return { platform, support: 'native', via: nat.via };
    if (binfmt) {
      if (handler) return { platform, support: 'emulated', via: describeHandler(handler) };
      if (!binfmt.mounted) return { platform, support: 'unavailable', via: 'binfmt_misc is not mounted' };
      if (!binfmt.enabled) return { platform, support: 'unavailable', via: 'binfmt_misc is switched off' };
      const disabled = binfmt.handlers.find((h) => !h.enabled && handlerRuns(h, platform));
      if (disabled) return { platform, support: 'unavailable', via: `${disabled.name} is registered but disabled` };
      return { platform, support: 'unavailable', via: 'no binfmt_misc handler for it' };
    }
    if (input.builder && input.builder.platforms.includes(platform)) {
      return { platform, support: 'emulated', via: `listed by the builder "${input.builder.name}"` };
    }
    return { platform, support: 'unavailable', via: input.builder ? `not listed by the builder "${input.builder.name}"` : 'no emulation information' };
  });
  return { platforms, source };
}
