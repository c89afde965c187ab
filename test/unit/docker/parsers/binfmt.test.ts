import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { handlerRuns, parseBinfmtHandler, parseBinfmtStatus, platformFromMagic, platformFromName } from '../../../../core/docker/parsers/binfmt.js';
import { fixture, fixturesDir } from '../../../helpers/fixtures.js';

const debianDir = path.join(fixturesDir, 'binfmt', 'debian-qemu-user-static');

describe('binfmt_misc handlers captured from Debian qemu-user-static', () => {
  const expected: Record<string, string> = {
    'qemu-aarch64': 'linux/arm64',
    'qemu-arm': 'linux/arm',
    'qemu-riscv64': 'linux/riscv64',
    'qemu-riscv32': 'linux/riscv32',
    'qemu-ppc64le': 'linux/ppc64le',
    'qemu-ppc64': 'linux/ppc64',
    'qemu-s390x': 'linux/s390x',
    'qemu-mips64el': 'linux/mips64le',
    'qemu-mips64': 'linux/mips64',
    'qemu-loongarch64': 'linux/loong64',
  };
  test.each(Object.entries(expected))('%s runs %s', (name, platform) => {
    const h = parseBinfmtHandler(name, fixture('binfmt', 'debian-qemu-user-static', name));
    expect(h.platform).toBe(platform);
    expect(h.enabled).toBe(true);
    expect(h.flags).toBe('POF');
    expect(h.interpreter).toMatch(/^\/usr\/libexec\/qemu-binfmt\//);
  });

  test('every captured handler parses, and none claims to run x86', () => {
    const names = readdirSync(debianDir).filter((n) => n !== 'status');
    const parsed = names.map((n) => parseBinfmtHandler(n, fixture('binfmt', 'debian-qemu-user-static', n)));
    expect(parsed.length).toBeGreaterThan(20);
    expect(parsed.filter((h) => h.platform === 'linux/amd64' || h.platform === 'linux/386')).toEqual([]);
    expect(parsed.every((h) => h.magic && h.mask)).toBe(true);
  });

  test('the status file', () => {
    expect(parseBinfmtStatus(fixture('binfmt', 'debian-qemu-user-static', 'status'))).toEqual({ mounted: true, enabled: true });
    expect(parseBinfmtStatus('disabled\n')).toEqual({ mounted: true, enabled: false });
    expect(parseBinfmtStatus(undefined)).toEqual({ mounted: false, enabled: false });
  });
});

describe('other registrations', () => {
  test('tonistiigi/binfmt style (OCF, /usr/bin/qemu-aarch64)', () => {
    const h = parseBinfmtHandler('qemu-aarch64', fixture('binfmt', 'hand-written', 'qemu-aarch64-tonistiigi'));
    expect(h).toMatchObject({ enabled: true, flags: 'OCF', interpreter: '/usr/bin/qemu-aarch64', platform: 'linux/arm64' });
  });

  test('a disabled handler without flags', () => {
    const h = parseBinfmtHandler('qemu-riscv64', fixture('binfmt', 'hand-written', 'qemu-riscv64-disabled-no-F'));
    expect(h).toMatchObject({ enabled: false, flags: '', platform: 'linux/riscv64' });
  });

  test('Rosetta runs amd64 by its ELF magic', () => {
    expect(parseBinfmtHandler('rosetta', fixture('binfmt', 'hand-written', 'rosetta')).platform).toBe('linux/amd64');
  });

  test('non-ELF handlers (jar by extension, python by magic) run no container platform', () => {
    const jar = parseBinfmtHandler('jar', fixture('binfmt', 'hand-written', 'jar'));
    expect(jar).toMatchObject({ extension: '.jar', enabled: true });
    expect(jar.platform).toBeUndefined();
    expect(parseBinfmtHandler('python3.11', fixture('binfmt', 'hand-written', 'python3.11')).platform).toBeUndefined();
  });

  test('names are a fallback when the magic is not ELF-at-offset-0', () => {
    expect(platformFromMagic('7f454c460201010000000000000000000200b700', 4)).toBeUndefined();
    expect(platformFromName('qemu-aarch64')).toBe('linux/arm64');
    expect(platformFromName('aarch64')).toBe('linux/arm64');
    expect(platformFromName('qemu-s390x-static')).toBe('linux/s390x');
    expect(platformFromName('jar')).toBeUndefined();
  });

  test('one ARM handler runs every 32-bit ARM variant', () => {
    const arm = parseBinfmtHandler('qemu-arm', fixture('binfmt', 'debian-qemu-user-static', 'qemu-arm'));
    expect(handlerRuns(arm, 'linux/arm/v7')).toBe(true);
    expect(handlerRuns(arm, 'linux/arm/v6')).toBe(true);
    expect(handlerRuns(arm, 'linux/arm64')).toBe(false);
  });
});
