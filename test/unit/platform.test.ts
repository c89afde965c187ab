/** One set of platform rules for every room: parse, normalise, compare. */
import { describe, expect, it } from 'vitest';
import { formatPlatform, normalizeArch, normalPlatformText, parsePlatform, platformMatches, samePlatform } from '../../core/platform.js';

describe('platforms', () => {
  it('parses os/arch[/variant] and refuses anything else as invalid input', () => {
    expect(parsePlatform('linux/arm/v7')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(formatPlatform(parsePlatform('linux/amd64'))).toBe('linux/amd64');
    expect(() => parsePlatform('linux')).toThrow(expect.objectContaining({ code: 'invalid-input' }));
    expect(() => parsePlatform('linux/arm/v7/x')).toThrow(expect.objectContaining({ code: 'invalid-input' }));
  });

  it.each([
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/armhf', 'linux/arm/v7'],
    ['linux/armel', 'linux/arm/v6'],
    ['linux/x86_64', 'linux/amd64'],
    ['Linux/AMD64/v1', 'linux/amd64'],
    ['macos/arm64', 'darwin/arm64'],
  ])('%s is spelt %s', (text, normal) => expect(normalPlatformText(text)).toBe(normal));

  it('compares after normalising: what the build named and what the registry lists are the same entry', () => {
    expect(samePlatform('linux/arm64', 'linux/arm64/v8')).toBe(true);
    expect(samePlatform('linux/arm', 'linux/arm/v7')).toBe(true);
    expect(samePlatform('linux/arm/v6', 'linux/arm/v7')).toBe(false);
  });

  it('a request without a variant matches any variant of its arch', () => {
    expect(platformMatches(parsePlatform('linux/arm/v7'), parsePlatform('linux/arm'))).toBe(true);
    expect(platformMatches(parsePlatform('linux/arm64'), parsePlatform('linux/arm64/v8'))).toBe(true);
    expect(platformMatches(parsePlatform('linux/arm/v6'), parsePlatform('linux/arm/v7'))).toBe(false);
  });

  it.each([
    ['x86_64', 'amd64'],
    ['armv6l', 'arm/v6'],
    ['arm', undefined],
    ['mips', undefined],
  ])('the engine CPU %s runs %s', (arch, platform) => expect(normalizeArch(arch)).toBe(platform));
});
