/**
 * Emulation: which common platforms the engine runs natively, emulated or not at all (the Doctor's logic),
 * and which names tonistiigi/binfmt wants for the ones to install. Pure functions.
 */
import type { EmulatorReport } from '../contract/builder.js';
import { AppError } from '../contract/errors.js';
import { classifyPlatforms, COMMON_PLATFORMS, type PlatformInputs } from '../doctor/platforms.js';

export function emulatorReport(input: PlatformInputs): EmulatorReport {
  const outcome = classifyPlatforms(input, COMMON_PLATFORMS);
  return {
    engineArch: input.engineArch,
    source: outcome.source,
    platforms: outcome.platforms,
    missing: outcome.platforms.filter((p) => p.support === 'unavailable').map((p) => p.platform),
  };
}

/** tonistiigi/binfmt's emulator names (its --install list), by platform. Both arm variants share one handler. */
const BINFMT_NAMES: Record<string, string> = {
  'linux/amd64': 'amd64',
  'linux/386': '386',
  'linux/arm64': 'arm64',
  'linux/arm/v7': 'arm',
  'linux/arm/v6': 'arm',
  'linux/arm': 'arm',
  'linux/riscv64': 'riscv64',
  'linux/ppc64le': 'ppc64le',
  'linux/s390x': 's390x',
  'linux/mips64le': 'mips64le',
  'linux/mips64': 'mips64',
  'linux/loong64': 'loong64',
};

export function binfmtName(platform: string): string | undefined {
  return BINFMT_NAMES[platform];
}

/**
 * What to pass to --install: 'all' as is; the platforms asked for (minus those the engine runs natively);
 * or, when none were named, the missing ones.
 */
export function installList(requested: 'all' | readonly string[] | undefined, report: EmulatorReport): string[] {
  if (requested === 'all') return ['all'];
  const native = new Set(report.platforms.filter((p) => p.support === 'native').map((p) => p.platform));
  const wanted = requested ?? report.missing;
  const names: string[] = [];
  for (const platform of wanted) {
    if (native.has(platform)) continue;
    const name = binfmtName(platform);
    if (!name) {
      throw new AppError('invalid-input', `There is no emulator to install for ${platform}.`, {
        hint: `Emulators exist for ${Object.keys(BINFMT_NAMES).join(', ')}.`,
      });
    }
    if (!names.includes(name)) names.push(name);
  }
  return names;
}
