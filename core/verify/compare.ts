/**
 * The platforms of one image side by side, from what the layer scan saw: which layers they share by
 * digest, their sizes, files only some of them have, a platform far off the median size, and layers
 * that hold the same files (names, sizes, modes, owners, bytes) and differ only in file times, which
 * makes the registry store and every pull fetch them once per platform instead of once.
 */
import type { PlatformComparison, TimeOnlyDifference } from '../contract/verify.js';
import type { LayerFs } from './layer-fs.js';
import type { LayerSummary } from './layer-scan.js';

export interface ComparedPlatform {
  platform: string;
  layers: LayerSummary[];
  fs: LayerFs;
}

const ONLY_IN_SOME_LIMIT = 100;
/** A platform this many times larger (or smaller) than the median of the others is called out. */
const OUTLIER_RATIO = 1.5;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function formatRatio(r: number): string {
  return r >= 10 ? r.toFixed(0) : r.toFixed(1);
}

/**
 * The layers whose full content fingerprint the compare needs and the scan did not take: those that match another
 * layer (other digest) on the sample fingerprint, with other file times among them. Only these can be reported as
 * differing only in file times; every other layer is left out of that check whatever its bytes, so reading these
 * once more with every byte hashed gives the same report as hashing every layer's bytes the first time.
 */
export function timeOnlyCandidates(platforms: readonly ComparedPlatform[]): LayerSummary[] {
  const bySample = new Map<string, Map<string, LayerSummary>>();
  for (const p of platforms) {
    for (const l of p.layers) {
      if (l.entries.length === 0) continue;
      const group = bySample.get(l.sampleKey) ?? new Map<string, LayerSummary>();
      group.set(l.digest, l);
      bySample.set(l.sampleKey, group);
    }
  }
  const out: LayerSummary[] = [];
  for (const group of bySample.values()) {
    if (group.size < 2) continue;
    const layers = [...group.values()];
    if (new Set(layers.map((l) => l.timesKey)).size < 2) continue;
    out.push(...layers.filter((l) => l.contentKey === undefined));
  }
  return out;
}

export function comparePlatforms(platforms: readonly ComparedPlatform[]): PlatformComparison {
  const sizes = platforms.map((p) => {
    let files = 0;
    for (const e of p.fs.entries.values()) if (e.kind === 'file' || e.kind === 'hardlink') files++;
    return {
      platform: p.platform,
      compressedSize: p.layers.reduce((s, l) => s + l.compressedSize, 0),
      uncompressedSize: p.layers.reduce((s, l) => s + l.uncompressedSize, 0),
      files,
      layers: p.layers.length,
    };
  });

  const holders = new Map<string, { size: number; platforms: Set<string> }>();
  for (const p of platforms) {
    for (const l of p.layers) {
      const h = holders.get(l.digest) ?? { size: l.compressedSize, platforms: new Set<string>() };
      h.platforms.add(p.platform);
      holders.set(l.digest, h);
    }
  }
  const sharedLayers = [...holders.entries()].filter(([, h]) => h.platforms.size > 1).map(([digest, h]) => ({ digest, size: h.size, platforms: [...h.platforms] }));

  // paths (not directories) present in some platforms only
  const onlyInSome: PlatformComparison['onlyInSome'] = [];
  let onlyInSomeCount = 0;
  if (platforms.length > 1) {
    const presence = new Map<string, string[]>();
    for (const p of platforms) {
      for (const [path, e] of p.fs.entries) {
        if (e.kind === 'dir') continue;
        const list = presence.get(path) ?? [];
        list.push(p.platform);
        presence.set(path, list);
      }
    }
    const all = platforms.map((p) => p.platform);
    for (const path of [...presence.keys()].sort()) {
      const has = presence.get(path)!;
      if (has.length === platforms.length) continue;
      onlyInSomeCount++;
      if (onlyInSome.length < ONLY_IN_SOME_LIMIT) onlyInSome.push({ path, in: has, missingFrom: all.filter((p) => !has.includes(p)) });
    }
  }

  // each platform against the median of all of them, so one outlier does not drag the yardstick with it
  const sizeOutliers: PlatformComparison['sizeOutliers'] = [];
  if (sizes.length >= 3) {
    const mid = median(sizes.map((s) => s.uncompressedSize));
    for (const s of sizes) {
      if (mid <= 0) break;
      const ratio = s.uncompressedSize / mid;
      if (ratio >= OUTLIER_RATIO || ratio <= 1 / OUTLIER_RATIO) {
        sizeOutliers.push({
          platform: s.platform,
          uncompressedSize: s.uncompressedSize,
          median: mid,
          ratio,
          message: ratio > 1 ? `${s.platform} is ${formatRatio(ratio)}× the median size of the platforms (unpacked).` : `${s.platform} is ${formatRatio(1 / ratio)}× smaller than the median of the platforms (unpacked).`,
        });
      }
    }
  } else if (sizes.length === 2) {
    const [a, b] = [...sizes].sort((x, y) => y.uncompressedSize - x.uncompressedSize) as [(typeof sizes)[number], (typeof sizes)[number]];
    if (b.uncompressedSize > 0 && a.uncompressedSize / b.uncompressedSize >= OUTLIER_RATIO) {
      const ratio = a.uncompressedSize / b.uncompressedSize;
      sizeOutliers.push({ platform: a.platform, uncompressedSize: a.uncompressedSize, median: b.uncompressedSize, ratio, message: `${a.platform} is ${formatRatio(ratio)}× the size of ${b.platform} (unpacked).` });
    }
  }

  // layers with the same content fingerprint but other digests: only their times (or compression) differ. A layer
  // without a full fingerprint matched no other on its sample (see timeOnlyCandidates), so it is in no such group
  const byContent = new Map<string, Map<string, { layer: LayerSummary; platforms: Set<string> }>>();
  for (const p of platforms) {
    for (const l of p.layers) {
      if (l.entries.length === 0 || l.contentKey === undefined) continue;
      const group = byContent.get(l.contentKey) ?? new Map<string, { layer: LayerSummary; platforms: Set<string> }>();
      const item = group.get(l.digest) ?? { layer: l, platforms: new Set<string>() };
      item.platforms.add(p.platform);
      group.set(l.digest, item);
      byContent.set(l.contentKey, group);
    }
  }
  const timeOnly: TimeOnlyDifference[] = [];
  for (const group of byContent.values()) {
    if (group.size < 2) continue;
    const items = [...group.values()];
    if (new Set(items.map((i) => i.layer.timesKey)).size < 2) continue; // same times: only the compression differs
    const sizesOf = items.map((i) => i.layer.compressedSize);
    timeOnly.push({
      layers: items.map((i) => ({ digest: i.layer.digest, size: i.layer.compressedSize, platforms: [...i.platforms] })),
      files: items[0]!.layer.files,
      wastedBytes: sizesOf.reduce((s, v) => s + v, 0) - Math.max(...sizesOf),
    });
  }

  return {
    platforms: sizes,
    sharedLayers,
    onlyInSome,
    onlyInSomeCount,
    sizeOutliers,
    timeOnly,
    wastedBytes: timeOnly.reduce((s, t) => s + t.wastedBytes, 0),
  };
}
