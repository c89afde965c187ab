import { describe, expect, test } from 'vitest';
import { emulatorReport, installList } from '../../../core/builder/emulators.js';
import { readBinfmtState } from '../../../core/doctor/host-probes.js';
import { fixturesDir } from '../../helpers/fixtures.js';
import path from 'node:path';

const debianDir = path.join(fixturesDir, 'binfmt', 'debian-qemu-user-static');

describe('emulator report', () => {
  test("an amd64 engine with Debian's qemu-user-static handlers: arm64 emulated by qemu-aarch64, amd64 native", async () => {
    const report = emulatorReport({ engineArch: 'x86_64', binfmt: await readBinfmtState(debianDir) });
    expect(report.source).toBe('binfmt_misc');
    const by = Object.fromEntries(report.platforms.map((p) => [p.platform, p]));
    expect(by['linux/amd64']?.support).toBe('native');
    expect(by['linux/arm64']).toMatchObject({ support: 'emulated' });
    expect(by['linux/arm64']?.via).toMatch(/qemu-aarch64/);
    expect(by['linux/riscv64']?.support).toBe('emulated');
    expect(report.missing).toEqual([]);
  });

  test('no handlers: everything foreign is missing', () => {
    const report = emulatorReport({ engineArch: 'x86_64', binfmt: { mounted: true, enabled: true, handlers: [] } });
    expect(report.missing).toEqual(['linux/arm64', 'linux/arm/v7', 'linux/arm/v6', 'linux/riscv64', 'linux/ppc64le', 'linux/s390x']);
  });
});

describe('what to pass to binfmt --install', () => {
  const none = emulatorReport({ engineArch: 'x86_64', binfmt: { mounted: true, enabled: true, handlers: [] } });

  test('by default the missing ones, arm variants sharing one handler', () => {
    expect(installList(undefined, none)).toEqual(['arm64', 'arm', 'riscv64', 'ppc64le', 's390x']);
  });

  test('asked platforms, skipping the native ones', () => {
    expect(installList(['linux/amd64', 'linux/arm64', 'linux/arm/v7'], none)).toEqual(['arm64', 'arm']);
  });

  test('all', () => {
    expect(installList('all', none)).toEqual(['all']);
  });

  test('a platform without an emulator is refused in words', () => {
    expect(() => installList(['linux/sparc64'], none)).toThrow(/no emulator to install for linux\/sparc64/);
  });
});
