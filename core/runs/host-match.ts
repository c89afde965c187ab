/**
 * Which entry of an index a given host pulls. Follows containerd's platform matcher (the one dockerd,
 * nerdctl and Docker Desktop use): names are normalized first (aarch64 → arm64, arm without a variant → arm/v7,
 * arm64/v8 → arm64), then the host's own platform is tried, then the older platforms it also runs, in order:
 * amd64 → 386; arm64 → arm/v8, arm/v7, arm/v6, arm/v5; arm/vN → arm/vN-1 … arm/v5. Ties go to the first entry
 * in the index, as the engine keeps index order between equals. Pure functions.
 */
import type { HostChoice, HostProfile } from '../contract/runs.js';
import { formatNormalPlatform, normalizePlatform, sameNormalPlatform as samePlatform, type NormalPlatform } from '../platform.js';

/** The platforms a host runs, best first: its own, then what its CPU also runs. */
export function compatiblePlatforms(hostPlatform: string): NormalPlatform[] {
  const host = normalizePlatform(hostPlatform);
  const vector: NormalPlatform[] = [host];
  if (host.architecture === 'amd64') {
    const level = /^v(\d+)$/.exec(host.variant)?.[1];
    if (level) for (let v = Number(level) - 1; v >= 1; v--) vector.push({ ...host, variant: v === 1 ? '' : `v${v}` });
    vector.push({ os: host.os, architecture: '386', variant: '' });
  } else if (host.architecture === 'arm64') {
    vector.push(...armFallbacks(host.os, 8));
  } else if (host.architecture === 'arm') {
    const level = /^v(\d+)$/.exec(host.variant)?.[1];
    if (level) vector.push(...armFallbacks(host.os, Number(level)).slice(1));
  }
  return vector;
}

function armFallbacks(os: string, from: number): NormalPlatform[] {
  const out: NormalPlatform[] = [];
  for (let v = from; v >= 5; v--) out.push({ os, architecture: 'arm', variant: `v${v}` });
  return out;
}

/** The entry of `indexPlatforms` the host pulls (as written in the index), with how it matched. */
export function pickPlatform(indexPlatforms: readonly string[], hostPlatform: string): { chosen: string | null; rank: number } {
  const vector = compatiblePlatforms(hostPlatform);
  const normalized = indexPlatforms.map(normalizePlatform);
  for (let rank = 0; rank < vector.length; rank++) {
    const index = normalized.findIndex((p) => samePlatform(p, vector[rank]!));
    if (index >= 0) return { chosen: indexPlatforms[index]!, rank };
  }
  return { chosen: null, rank: -1 };
}

/** The hosts people ask about most. */
export const COMMON_HOSTS: readonly HostProfile[] = [
  { id: 'amd64-pc', label: 'PC, laptop or cloud server with an Intel/AMD CPU', platform: 'linux/amd64' },
  { id: 'pi-64', label: 'Raspberry Pi 3/4/5 on a 64-bit OS', platform: 'linux/arm64' },
  { id: 'pi-32', label: 'Raspberry Pi 3/4/5 on a 32-bit OS', platform: 'linux/arm/v7' },
  { id: 'pi-zero', label: 'Raspberry Pi Zero/1 (32-bit OS)', platform: 'linux/arm/v6' },
  { id: 'apple-silicon', label: "Mac with Apple Silicon (Docker Desktop's Linux VM)", platform: 'linux/arm64' },
  { id: 'arm64-cloud', label: 'arm64 cloud server (AWS Graviton, Ampere, Azure Cobalt…)', platform: 'linux/arm64' },
];

/**
 * Which entry a host pulls from an index listing `indexPlatforms`, explained. `single`: the reference names one
 * image manifest, not a list; then there is nothing to choose from: every host pulls that image (docker only
 * warns that its platform differs), and a host of another platform then fails to start it, or emulates it.
 */
export function hostVariantChoice(indexPlatforms: readonly string[], host: HostProfile | string, single = false): HostChoice {
  const profile: HostProfile = typeof host === 'string' ? { id: host, label: `a ${host} host`, platform: host } : host;
  const hostPlatform = formatNormalPlatform(normalizePlatform(profile.platform));
  const { chosen, rank } = pickPlatform(indexPlatforms, profile.platform);
  const only = indexPlatforms[0];
  if (single && only !== undefined && (chosen === null || rank > 0)) {
    return { host: profile, chosen: only, match: 'foreign', note: foreignNote(profile, hostPlatform, only) };
  }
  if (chosen === null) {
    return {
      host: profile,
      chosen: null,
      match: 'none',
      note: `No entry fits: docker pull fails with "no matching manifest for ${hostPlatform}". Build for ${hostPlatform}${fallbackAdvice(hostPlatform)}.`,
    };
  }
  if (rank === 0) return { host: profile, chosen, match: 'exact', note: `Pulls ${chosen}, its own platform.` };
  return { host: profile, chosen, match: 'fallback', note: `No ${hostPlatform} entry, so it pulls ${chosen}: ${fallbackReason(profile, chosen)}` };
}

/** The choice of every common host; `single` when the reference is one image manifest rather than a list. */
export function hostVariantChoices(indexPlatforms: readonly string[], hosts: readonly HostProfile[] = COMMON_HOSTS, single = false): HostChoice[] {
  return hosts.map((h) => hostVariantChoice(indexPlatforms, h, single));
}

/** What a host of another platform does with the only image there is: it pulls it, and then cannot run it natively. */
function foreignNote(profile: HostProfile, hostPlatform: string, only: string): string {
  const pulls = `Pulls the only image there is (${only}): it is not a list, so there is nothing to choose, and docker only warns that the platform differs.`;
  const entry = normalizePlatform(only);
  if (profile.id === 'apple-silicon' && entry.architecture === 'amd64') {
    return `${pulls} Docker Desktop registers an emulator for linux/amd64, so the container runs emulated (Rosetta or QEMU), more slowly.`;
  }
  const host = normalizePlatform(hostPlatform);
  if (host.architecture === 'arm64' && entry.architecture === 'arm') {
    return `${pulls} Most 64-bit ARM CPUs run 32-bit ARM code, so it usually starts; where the CPU cannot (some cloud CPUs), it fails with "exec format error".`;
  }
  return `${pulls} The container then fails to start with "exec format error", unless an emulator for ${only} is registered on that host (QEMU through binfmt_misc), which runs it emulated, more slowly.`;
}

function fallbackReason(profile: HostProfile, chosen: string): string {
  const host = normalizePlatform(profile.platform);
  const entry = normalizePlatform(chosen);
  if (host.architecture === 'amd64' && entry.architecture === '386') return 'a 64-bit x86 CPU also runs 32-bit x86 code (slower to build for, rarely what you meant).';
  if (host.architecture === 'amd64') return `an x86-64 ${host.variant || 'v1'} CPU also runs code built for older x86-64 levels.`;
  if (host.architecture === 'arm64' && profile.id === 'apple-silicon') {
    return "Apple Silicon has no 32-bit ARM mode, so Docker Desktop runs it through QEMU (it works, more slowly).";
  }
  if (host.architecture === 'arm64') return 'most 64-bit ARM CPUs also run 32-bit ARM code (not all: some cloud CPUs and Apple Silicon cannot, and then the container fails with "exec format error").';
  if (host.architecture === 'arm') return `an ARM ${host.variant} CPU also runs code for older ARM versions.`;
  return 'the engine accepts it as compatible.';
}

function fallbackAdvice(hostPlatform: string): string {
  const host = normalizePlatform(hostPlatform);
  if (host.architecture === 'arm64') return ' (or linux/arm/v7, which it can also run)';
  if (host.architecture === 'arm' && host.variant !== 'v5') return ` (or an older ARM variant such as linux/arm/v6)`;
  return '';
}
