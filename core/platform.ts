/**
 * Platforms (`os/arch[/variant]`): parse, print, normalise and compare. One set of rules for the registry
 * (which index entry matches a request), the run matrix (which entry a host pulls), the Doctor (what the
 * engine's CPU runs) and the build flows (which build produced which entry). Pure.
 *
 * Normalisation follows containerd's platform matcher, which dockerd, nerdctl and Docker Desktop use:
 * aarch64 → arm64, arm64/v8 → arm64, arm without a variant → arm/v7, x86_64 → amd64.
 */
import { AppError } from './contract/errors.js';
import type { PlatformInfo } from './contract/registry.js';

export type { PlatformInfo };

/** A platform with every name spelt one way; `variant` is '' when there is none. */
export interface NormalPlatform {
  os: string;
  architecture: string;
  variant: string;
}

/** Every spelling of a CPU architecture (Go's, the kernel's `uname -m`, Debian's) → the platform's arch and default variant. */
const ARCH_ALIASES: Record<string, { architecture: string; variant?: string }> = {
  x86_64: { architecture: 'amd64' },
  'x86-64': { architecture: 'amd64' },
  x64: { architecture: 'amd64' },
  amd64: { architecture: 'amd64' },
  i386: { architecture: '386' },
  i686: { architecture: '386' },
  ia32: { architecture: '386' },
  '386': { architecture: '386' },
  aarch64: { architecture: 'arm64' },
  arm64: { architecture: 'arm64' },
  armv8l: { architecture: 'arm64' },
  armhf: { architecture: 'arm', variant: 'v7' },
  armv7l: { architecture: 'arm', variant: 'v7' },
  armel: { architecture: 'arm', variant: 'v6' },
  armv6l: { architecture: 'arm', variant: 'v6' },
  arm: { architecture: 'arm' },
  ppc64le: { architecture: 'ppc64le' },
  s390x: { architecture: 's390x' },
  riscv64: { architecture: 'riscv64' },
};

export function formatPlatform(p: Pick<PlatformInfo, 'os' | 'architecture' | 'variant'>): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** `os/arch[/variant]` as written; `invalid-input` for anything else. */
export function parsePlatform(text: string): PlatformInfo {
  const [os, architecture, variant, ...extra] = text.split('/');
  if (!os || !architecture || extra.length > 0) {
    throw new AppError('invalid-input', `"${text}" is not a platform.`, { hint: 'A platform looks like os/arch or os/arch/variant, e.g. linux/arm64 or linux/arm/v7.' });
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** The same platform always gets the same spelling (containerd's normalisation). */
export function normalizePlatform(text: string): NormalPlatform {
  const [osPart = '', archPart = '', variantPart = ''] = text.toLowerCase().split('/');
  const os = osPart === 'macos' ? 'darwin' : osPart;
  const alias = ARCH_ALIASES[archPart];
  const architecture = alias?.architecture ?? archPart;
  let variant = variantPart || alias?.variant || '';
  if (architecture === 'amd64' && variant === 'v1') variant = '';
  if (architecture === 'arm64' && (variant === '8' || variant === 'v8')) variant = '';
  if (architecture === 'arm') {
    if (variant === '') variant = 'v7';
    else if (/^[5-8]$/.test(variant)) variant = `v${variant}`;
  }
  return { os, architecture, variant };
}

export function formatNormalPlatform(p: NormalPlatform): string {
  return formatPlatform(p);
}

/** `linux/aarch64` → `linux/arm64`: the normal spelling of a platform string. */
export function normalPlatformText(text: string): string {
  return formatNormalPlatform(normalizePlatform(text));
}

export function sameNormalPlatform(a: NormalPlatform, b: NormalPlatform): boolean {
  return a.os === b.os && a.architecture === b.architecture && a.variant === b.variant;
}

/** Are two platform strings the same platform once normalised (linux/arm64/v8 = linux/arm64)? */
export function samePlatform(a: string, b: string): boolean {
  return sameNormalPlatform(normalizePlatform(a), normalizePlatform(b));
}

/** The engine's CPU as platforms name it: x86_64 → amd64, aarch64 → arm64, armv7l → arm/v7; undefined when unknown. */
export function normalizeArch(arch: string): string | undefined {
  const alias = ARCH_ALIASES[arch.toLowerCase()];
  if (!alias || (alias.architecture === 'arm' && !alias.variant)) return undefined;
  return alias.variant ? `${alias.architecture}/${alias.variant}` : alias.architecture;
}

/** arm64 without a variant is v8, as the OCI image spec and containerd treat it. */
function normalVariant(p: Pick<PlatformInfo, 'architecture' | 'variant'>): string | undefined {
  if (p.architecture === 'arm64' && (p.variant === undefined || p.variant === 'v8')) return undefined;
  return p.variant || undefined;
}

/** Does an image platform satisfy what the user asked for? A request without a variant accepts any. */
export function platformMatches(image: PlatformInfo, wanted: PlatformInfo): boolean {
  if (image.os !== wanted.os || image.architecture !== wanted.architecture) return false;
  if (wanted.variant === undefined || (wanted.architecture === 'arm64' && wanted.variant === 'v8')) return true;
  return normalVariant(image) === normalVariant(wanted);
}
