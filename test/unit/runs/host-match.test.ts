import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMON_HOSTS, compatiblePlatforms, hostVariantChoice, hostVariantChoices, pickPlatform } from '../../../core/runs/host-match.js';
import { formatNormalPlatform, normalizePlatform } from '../../../core/platform.js';

const chosenBy = (index: string[]) => Object.fromEntries(hostVariantChoices(index).map((c) => [c.host.id, c.chosen]));

describe('normalizePlatform (containerd spelling)', () => {
  it.each([
    ['linux/amd64', 'linux/amd64'],
    ['linux/x86_64', 'linux/amd64'],
    ['linux/amd64/v1', 'linux/amd64'],
    ['linux/amd64/v3', 'linux/amd64/v3'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/arm64/8', 'linux/arm64'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/7', 'linux/arm/v7'],
    ['linux/arm/v6', 'linux/arm/v6'],
    ['linux/armhf', 'linux/arm/v7'],
    ['linux/armel', 'linux/arm/v6'],
    ['linux/i386', 'linux/386'],
    ['Linux/ARM64', 'linux/arm64'],
    ['linux/riscv64', 'linux/riscv64'],
  ])('%s → %s', (input, expected) => {
    expect(formatNormalPlatform(normalizePlatform(input))).toBe(expected);
  });
});

describe('compatiblePlatforms: what a host runs, best first', () => {
  it.each([
    ['linux/amd64', ['linux/amd64', 'linux/386']],
    ['linux/amd64/v3', ['linux/amd64/v3', 'linux/amd64/v2', 'linux/amd64', 'linux/386']],
    ['linux/arm64', ['linux/arm64', 'linux/arm/v8', 'linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5']],
    ['linux/arm/v7', ['linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5']],
    ['linux/arm/v6', ['linux/arm/v6', 'linux/arm/v5']],
    ['linux/arm/v5', ['linux/arm/v5']],
    ['linux/riscv64', ['linux/riscv64']],
    ['linux/s390x', ['linux/s390x']],
  ])('%s', (host, expected) => {
    expect(compatiblePlatforms(host).map(formatNormalPlatform)).toEqual(expected);
  });
});

describe('hostVariantChoice', () => {
  it('a full index gives every host its own platform', () => {
    expect(chosenBy(['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6'])).toEqual({
      'amd64-pc': 'linux/amd64',
      'pi-64': 'linux/arm64',
      'pi-32': 'linux/arm/v7',
      'pi-zero': 'linux/arm/v6',
      'apple-silicon': 'linux/arm64',
      'arm64-cloud': 'linux/arm64',
    });
    for (const c of hostVariantChoices(['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6'])) expect(c.match).toBe('exact');
  });

  it('the usual three-platform index leaves the Pi Zero without an entry (v6 cannot run v7 code)', () => {
    const choices = hostVariantChoices(['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
    const zero = choices.find((c) => c.host.id === 'pi-zero')!;
    expect(zero).toMatchObject({ chosen: null, match: 'none' });
    expect(zero.note).toContain('no matching manifest for linux/arm/v6');
    expect(choices.find((c) => c.host.id === 'pi-32')).toMatchObject({ chosen: 'linux/arm/v7', match: 'exact' });
  });

  it('arm64 hosts fall back to 32-bit ARM when the index has no arm64 entry', () => {
    const index = ['linux/amd64', 'linux/arm/v7'];
    expect(chosenBy(index)).toMatchObject({ 'pi-64': 'linux/arm/v7', 'apple-silicon': 'linux/arm/v7', 'arm64-cloud': 'linux/arm/v7' });
    const pi64 = hostVariantChoice(index, COMMON_HOSTS.find((h) => h.id === 'pi-64')!);
    expect(pi64.match).toBe('fallback');
    expect(pi64.note).toMatch(/No linux\/arm64 entry, so it pulls linux\/arm\/v7/);
    expect(hostVariantChoice(index, COMMON_HOSTS.find((h) => h.id === 'apple-silicon')!).note).toMatch(/QEMU/);
  });

  it('arm64 hosts prefer the newest ARM variant whatever the index order', () => {
    expect(pickPlatform(['linux/arm/v5', 'linux/arm/v6', 'linux/arm/v7'], 'linux/arm64')).toEqual({ chosen: 'linux/arm/v7', rank: 2 });
    expect(pickPlatform(['linux/arm/v6', 'linux/arm/v5'], 'linux/arm64').chosen).toBe('linux/arm/v6');
  });

  it('a 32-bit Pi takes arm/v6 when there is no v7, and never arm64', () => {
    expect(chosenBy(['linux/amd64', 'linux/arm64', 'linux/arm/v6'])).toMatchObject({ 'pi-32': 'linux/arm/v6', 'pi-zero': 'linux/arm/v6' });
    expect(hostVariantChoice(['linux/arm64'], 'linux/arm/v7')).toMatchObject({ chosen: null, match: 'none' });
  });

  it('an amd64 host accepts 386 only when there is no amd64 entry', () => {
    expect(hostVariantChoice(['linux/386', 'linux/amd64'], 'linux/amd64').chosen).toBe('linux/amd64');
    const fallback = hostVariantChoice(['linux/386', 'linux/arm64'], 'linux/amd64');
    expect(fallback).toMatchObject({ chosen: 'linux/386', match: 'fallback' });
    expect(fallback.note).toMatch(/32-bit x86/);
  });

  it('an amd64 host never takes ARM, and ARM hosts never take x86', () => {
    expect(hostVariantChoice(['linux/arm64', 'linux/arm/v7'], 'linux/amd64').chosen).toBeNull();
    expect(hostVariantChoice(['linux/amd64', 'linux/386'], 'linux/arm64').chosen).toBeNull();
  });

  it('spellings that mean the same platform match, and the entry is reported as the index wrote it', () => {
    expect(hostVariantChoice(['linux/arm64/v8'], 'linux/arm64')).toMatchObject({ chosen: 'linux/arm64/v8', match: 'exact' });
    expect(hostVariantChoice(['linux/arm'], 'linux/arm/v7')).toMatchObject({ chosen: 'linux/arm', match: 'exact' });
    expect(hostVariantChoice(['linux/arm'], 'linux/arm/v6').chosen).toBeNull();
  });

  it('equal entries go to the first one in the index', () => {
    expect(pickPlatform(['linux/arm64/v8', 'linux/arm64'], 'linux/arm64').chosen).toBe('linux/arm64/v8');
    expect(pickPlatform(['linux/arm64', 'linux/arm64/v8'], 'linux/arm64').chosen).toBe('linux/arm64');
  });

  it('the operating system must match', () => {
    expect(hostVariantChoice(['windows/amd64'], 'linux/amd64').chosen).toBeNull();
  });

  it('an amd64 v3 host walks down the x86-64 levels before 386', () => {
    expect(pickPlatform(['linux/386', 'linux/amd64/v2'], 'linux/amd64/v3')).toEqual({ chosen: 'linux/amd64/v2', rank: 1 });
    expect(pickPlatform(['linux/386', 'linux/amd64'], 'linux/amd64/v3')).toEqual({ chosen: 'linux/amd64', rank: 2 });
    expect(pickPlatform(['linux/amd64/v3'], 'linux/amd64').chosen).toBeNull();
  });

  it('accepts a bare platform string as the host', () => {
    expect(hostVariantChoice(['linux/riscv64'], 'linux/riscv64')).toMatchObject({ chosen: 'linux/riscv64', match: 'exact', host: { platform: 'linux/riscv64' } });
  });

  const platformArb = fc.constantFrom('linux/amd64', 'linux/386', 'linux/arm64', 'linux/arm64/v8', 'linux/arm/v7', 'linux/arm', 'linux/arm/v6', 'linux/arm/v5', 'linux/riscv64', 'linux/s390x', 'linux/ppc64le', 'windows/amd64');

  it('always picks an entry of the index, exactly when the host platform is there, or nothing', () => {
    fc.assert(
      fc.property(fc.uniqueArray(platformArb, { maxLength: 8 }), platformArb, (index, host) => {
        const choice = hostVariantChoice(index, host);
        if (choice.chosen !== null) expect(index).toContain(choice.chosen);
        const hostNormal = formatNormalPlatform(normalizePlatform(host));
        const hasOwn = index.some((p) => formatNormalPlatform(normalizePlatform(p)) === hostNormal);
        expect(choice.match === 'exact').toBe(hasOwn);
        if (choice.chosen !== null) {
          const runnable = compatiblePlatforms(host).map(formatNormalPlatform);
          expect(runnable).toContain(formatNormalPlatform(normalizePlatform(choice.chosen)));
        }
      }),
    );
  });
});
