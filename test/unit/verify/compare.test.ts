import { describe, expect, it } from 'vitest';
import { comparePlatforms, timeOnlyCandidates, type ComparedPlatform } from '../../../core/verify/compare.js';
import { LayerFs, type LayerEntry } from '../../../core/verify/layer-fs.js';
import type { LayerSummary } from '../../../core/verify/layer-scan.js';

const file = (path: string): LayerEntry => ({ path, kind: 'file', mode: 0o644, size: 10, uid: 0, gid: 0, mtime: 0 });

/** contentKey null: the scan took only the sample fingerprint. */
function layer(digest: string, size: number, entries: LayerEntry[], contentKey: string | null = digest, timesKey = digest, sampleKey = contentKey ?? digest): LayerSummary {
  return { digest, compression: 'gzip', compressedSize: size, uncompressedSize: size * 2, entries, files: entries.length, sampleKey, ...(contentKey !== null ? { contentKey } : {}), timesKey };
}

function platform(name: string, layers: LayerSummary[]): ComparedPlatform {
  const fs = new LayerFs();
  for (const l of layers) fs.apply(l.entries);
  return { platform: name, layers, fs };
}

describe('comparePlatforms', () => {
  const base = layer('sha256:base', 1000, [file('/etc/os-release')]);
  it('lists shared layers, sizes and files only in some platforms', () => {
    const c = comparePlatforms([
      platform('linux/amd64', [base, layer('sha256:a', 100, [file('/lib/x86_64/libc.so')])]),
      platform('linux/arm64', [base, layer('sha256:b', 100, [file('/lib/aarch64/libc.so')])]),
    ]);
    expect(c.sharedLayers).toEqual([{ digest: 'sha256:base', size: 1000, platforms: ['linux/amd64', 'linux/arm64'] }]);
    expect(c.platforms.map((p) => [p.platform, p.compressedSize, p.uncompressedSize, p.files])).toEqual([
      ['linux/amd64', 1100, 2200, 2],
      ['linux/arm64', 1100, 2200, 2],
    ]);
    expect(c.onlyInSomeCount).toBe(2);
    expect(c.onlyInSome[0]).toEqual({ path: '/lib/aarch64/libc.so', in: ['linux/arm64'], missingFrom: ['linux/amd64'] });
    expect(c.sizeOutliers).toEqual([]);
    expect(c.timeOnly).toEqual([]);
  });

  it('calls out a platform far larger than the median of the others', () => {
    const c = comparePlatforms([
      platform('linux/amd64', [layer('sha256:a', 100, [file('/a')])]),
      platform('linux/arm64', [layer('sha256:b', 110, [file('/a')])]),
      platform('linux/arm/v7', [layer('sha256:c', 400, [file('/a')])]),
    ]);
    expect(c.sizeOutliers.map((o) => o.platform)).toEqual(['linux/arm/v7']);
    expect(c.sizeOutliers[0]!.message).toMatch(/3\.6× the median size/);
  });

  it('reports layers with the same content and other times, with the bytes kept twice', () => {
    const c = comparePlatforms([
      platform('linux/amd64', [layer('sha256:a', 500, [file('/data')], 'same', 't1')]),
      platform('linux/arm64', [layer('sha256:b', 520, [file('/data')], 'same', 't2')]),
      platform('linux/riscv64', [layer('sha256:c', 520, [file('/data')], 'same', 't1')]),
    ]);
    expect(c.timeOnly).toHaveLength(1);
    expect(c.timeOnly[0]!.layers.map((l) => l.digest)).toEqual(['sha256:a', 'sha256:b', 'sha256:c']);
    expect(c.timeOnly[0]!.wastedBytes).toBe(1020);
    expect(c.wastedBytes).toBe(1020);
  });

  it('asks for the full fingerprint only of layers that match another on the sample, with other times', () => {
    const platforms = [
      // a and b: same sample, other times, no full key yet; c: same sample and times as a (compression only)
      platform('linux/amd64', [base, layer('sha256:a', 500, [file('/data')], null, 't1', 's')]),
      platform('linux/arm64', [base, layer('sha256:b', 500, [file('/data')], null, 't2', 's')]),
      platform('linux/riscv64', [base, layer('sha256:c', 500, [file('/data')], 'full-c', 't1', 's'), layer('sha256:d', 10, [file('/x')], null, 't3', 'alone')]),
    ];
    expect(timeOnlyCandidates(platforms).map((l) => l.digest)).toEqual(['sha256:a', 'sha256:b']);
    // until they have it, nothing is reported about them
    expect(comparePlatforms(platforms).timeOnly).toEqual([]);
    // the second read: a and b hold the same bytes, c other bytes the sample did not see
    platforms[0]!.layers[1]!.contentKey = 'full-ab';
    platforms[1]!.layers[1]!.contentKey = 'full-ab';
    const c = comparePlatforms(platforms);
    expect(c.timeOnly.map((t) => t.layers.map((l) => l.digest))).toEqual([['sha256:a', 'sha256:b']]);
    expect(timeOnlyCandidates([platform('linux/amd64', [layer('sha256:a', 5, [file('/a')], null, 't1', 's')]), platform('linux/arm64', [layer('sha256:b', 5, [file('/a')], null, 't1', 's')])])).toEqual([]);
  });

  it('does not call layers that differ only in compression a time difference', () => {
    const c = comparePlatforms([
      platform('linux/amd64', [layer('sha256:a', 500, [file('/data')], 'same', 't')]),
      platform('linux/arm64', [layer('sha256:b', 480, [file('/data')], 'same', 't')]),
    ]);
    expect(c.timeOnly).toEqual([]);
  });
});
