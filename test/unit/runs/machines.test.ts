import { describe, expect, it } from 'vitest';
import { configContradictsLabel, expectedMachines, expectedText, findMachine, judgeRun, machineFamily, type RunObservation } from '../../../core/runs/machines.js';

const observe = (o: Partial<RunObservation> & Pick<RunObservation, 'platform'>): RunObservation => ({
  stdout: '',
  stderr: '',
  exitCode: 0,
  timedOut: false,
  execution: 'native',
  engineArch: 'x86_64',
  ...o,
});

describe('findMachine', () => {
  it.each([
    ['x86_64\n', 'x86_64'],
    ['aarch64', 'aarch64'],
    ['armv7l\n', 'armv7l'],
    ['Linux 5f0c 6.1.0-18-amd64 #1 SMP x86_64 GNU/Linux\n', 'x86_64'],
    ['hello from ppc64le\n', 'ppc64le'],
    ['mips64\n', 'mips64'],
    ['running on arm64 (GOARCH)\n', 'arm64'],
    ['I am an armchair\n', null],
    ['', null],
    ['x86_64x\n', null],
    ['6.1.0-18-amd64\n', null],
    ['GOARCH=amd64\n', 'amd64'],
    ['Linux pi 6.6.31+rpt-rpi-v8 #1 SMP PREEMPT aarch64 GNU/Linux arm64\n', 'aarch64'],
  ])('%j → %s', (stdout, expected) => {
    expect(findMachine(stdout)).toBe(expected);
  });

  it('names the architecture behind a machine name', () => {
    expect(machineFamily('x86_64')).toBe('amd64');
    expect(machineFamily('aarch64')).toBe('arm64');
    expect(machineFamily('armv7l')).toBe('arm/v7');
    expect(machineFamily('i686')).toBe('386');
  });
});

describe('expectedMachines', () => {
  it.each([
    ['linux/amd64', 'x86_64'],
    ['linux/386', 'i686, i386 or i586'],
    ['linux/arm64', 'aarch64'],
    ['linux/arm64/v8', 'aarch64'],
    ['linux/arm/v7', 'armv7l'],
    ['linux/arm', 'armv7l'],
    ['linux/arm/v6', 'armv6l'],
    ['linux/riscv64', 'riscv64'],
    ['linux/ppc64le', 'ppc64le'],
    ['linux/s390x', 's390x'],
    ['linux/mips64le', 'mips64'],
    ['linux/loong64', 'loongarch64'],
    ['linux/wasm', 'unknown'],
  ])('%s prints %s', (platform, text) => {
    expect(expectedText(expectedMachines(platform))).toBe(text);
  });

  it('arm/v6 under QEMU also accepts armv7l, and says why', () => {
    const expected = expectedMachines('linux/arm/v6', { execution: 'emulated', engineArch: 'x86_64' });
    expect(expected.map((e) => e.machine)).toEqual(['armv6l', 'armv7l']);
    expect(expected[1]!.note).toMatch(/QEMU emulates an ARMv7 CPU/);
    expect(expectedMachines('linux/arm/v6', { execution: 'native', engineArch: 'armv6l' }).map((e) => e.machine)).toEqual(['armv6l']);
  });

  it('32-bit platforms on a 64-bit CPU of their family also accept what the kernel reports', () => {
    expect(expectedMachines('linux/386', { execution: 'native', engineArch: 'x86_64' }).map((e) => e.machine)).toContain('x86_64');
    expect(expectedMachines('linux/386', { execution: 'emulated', engineArch: 'aarch64' }).map((e) => e.machine)).not.toContain('x86_64');
    expect(expectedMachines('linux/arm/v7', { execution: 'native', engineArch: 'aarch64' }).map((e) => e.machine)).toEqual(['armv7l', 'armv8l', 'aarch64']);
    expect(expectedMachines('linux/arm/v7', { execution: 'emulated', engineArch: 'x86_64' }).map((e) => e.machine)).toEqual(['armv7l']);
  });
});

describe('judgeRun', () => {
  it('passes when the platform printed its own machine', () => {
    expect(judgeRun(observe({ platform: 'linux/arm64', stdout: 'aarch64\n', execution: 'emulated' }))).toEqual({
      expected: [{ machine: 'aarch64' }, { machine: 'arm64', note: 'Go programs and macOS print arm64 for aarch64' }],
      expectedText: 'aarch64',
      printed: 'aarch64',
      result: 'pass',
    });
  });

  it('flags an arm64 entry that printed x86_64 as a mismatch and says why', () => {
    const v = judgeRun(observe({ platform: 'linux/arm64', stdout: 'x86_64\n', execution: 'emulated' }));
    expect(v.result).toBe('fail');
    expect(v.failure).toBe('mismatch');
    expect(v.printed).toBe('x86_64');
    expect(v.explanation).toMatch(/^The linux\/arm64 entry printed x86_64: its binaries are amd64\. The image was probably built without --platform, or from an amd64-only base image/);
  });

  it('explains exec format error as a missing emulator when none is registered', () => {
    const v = judgeRun(observe({ platform: 'linux/mips64le', stderr: 'exec /bin/uname: exec format error\n', exitCode: 1, execution: 'unavailable' }));
    expect(v).toMatchObject({ result: 'fail', failure: 'exec-format', printed: null });
    expect(v.explanation).toMatch(/no emulator is registered for that platform/);
    expect(v.explanation).toMatch(/qemu-user-static/);
    expect(v.explanation).toMatch(/Builder → Emulators/);
  });

  it('explains exec format error differently when an emulator is registered, or the CPU is native', () => {
    const emulated = judgeRun(observe({ platform: 'linux/arm64', stderr: 'exec /app: exec format error', exitCode: 1, execution: 'emulated' }));
    expect(emulated.explanation).toMatch(/although an emulator is registered/);
    const native = judgeRun(observe({ platform: 'linux/amd64', startError: 'failed to create task: exec /app: exec format error', exitCode: null, execution: 'native' }));
    expect(native.failure).toBe('exec-format');
    expect(native.explanation).toMatch(/which this CPU runs natively/);
  });

  it('a label that its config contradicts fails as a label mismatch', () => {
    const v = judgeRun(observe({ platform: 'linux/arm64', stdout: 'x86_64\n', configPlatform: 'linux/amd64' }));
    expect(v.failure).toBe('label-mismatch');
    expect(v.explanation).toMatch(/The index labels this entry linux\/arm64, but its image config says linux\/amd64 and it printed x86_64 \(amd64\)/);
  });

  it('a config without a variant does not contradict a label with one', () => {
    expect(configContradictsLabel('linux/arm', 'linux/arm/v6')).toBe(false);
    expect(configContradictsLabel('linux/arm/v7', 'linux/arm/v6')).toBe(true);
    expect(configContradictsLabel('linux/arm64', 'linux/arm64/v8')).toBe(false);
    expect(configContradictsLabel('linux/amd64', 'linux/arm64')).toBe(true);
    const v = judgeRun(observe({ platform: 'linux/arm/v6', stdout: 'armv7l', execution: 'emulated', configPlatform: 'linux/arm' }));
    expect(v.result).toBe('pass');
  });

  it('passes arm/v6 printing armv7l under QEMU with a note that says which', () => {
    const v = judgeRun(observe({ platform: 'linux/arm/v6', stdout: 'armv7l\n', execution: 'emulated' }));
    expect(v.result).toBe('pass');
    expect(v.note).toMatch(/^Printed armv7l: QEMU emulates an ARMv7 CPU/);
  });

  it('fails arm/v6 printing armv7l on a native ARMv6 CPU', () => {
    const v = judgeRun(observe({ platform: 'linux/arm/v6', stdout: 'armv7l\n', execution: 'native', engineArch: 'armv6l' }));
    expect(v.failure).toBe('mismatch');
  });

  it('a timeout fails and suggests a longer one for emulated runs', () => {
    const v = judgeRun(observe({ platform: 'linux/s390x', exitCode: 137, timedOut: true, timeoutMs: 5000, execution: 'emulated' }));
    expect(v).toMatchObject({ result: 'fail', failure: 'timeout' });
    expect(v.explanation).toMatch(/within 5 s/);
    expect(v.explanation).toMatch(/raise the timeout/);
  });

  it('a non-zero exit fails with the last line of stderr', () => {
    const v = judgeRun(observe({ platform: 'linux/amd64', stdout: 'x86_64\n', stderr: 'starting\nboom: no config\n', exitCode: 3 }));
    expect(v).toMatchObject({ result: 'fail', failure: 'exit-code', printed: 'x86_64' });
    expect(v.explanation).toBe('The command exited with code 3: boom: no config.');
  });

  it('a run that printed no machine name is unverified, not a failure', () => {
    const v = judgeRun(observe({ platform: 'linux/amd64', stdout: 'hello\n' }));
    expect(v.result).toBe('unverified');
    expect(v.note).toMatch(/uname -m/);
  });

  it('a platform with no known answer is unverified whatever it printed', () => {
    const v = judgeRun(observe({ platform: 'linux/wasm', stdout: 'x86_64' }));
    expect(v.result).toBe('unverified');
  });
});
