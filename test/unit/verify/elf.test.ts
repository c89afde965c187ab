import { describe, expect, it } from 'vitest';
import { describeMachine, expectedMachineFor, machineMismatch, parseElf, platformOfElf } from '../../../core/verify/elf.js';
import { FileCapture, parseShebang } from '../../../core/verify/file-capture.js';
import { armAttributes, makeElf } from './elf-builder.js';

const parse = (b: Buffer) => parseElf({ head: b, size: b.length });

describe('parseElf', () => {
  it.each([
    { name: 'x86-64', spec: { bits: 64 as const, machine: 62 }, machine: 'x86-64', platform: 'linux/amd64', words: 'x86-64' },
    { name: 'i386', spec: { bits: 32 as const, machine: 3 }, machine: 'i386', platform: 'linux/386', words: 'i386 (32-bit x86)' },
    { name: 'AArch64', spec: { bits: 64 as const, machine: 183 }, machine: 'aarch64', platform: 'linux/arm64', words: 'AArch64 (arm64)' },
    { name: 'RISC-V', spec: { bits: 64 as const, machine: 243 }, machine: 'riscv', platform: 'linux/riscv64', words: 'RISC-V 64-bit' },
    { name: 'PPC64 LE', spec: { bits: 64 as const, machine: 21 }, machine: 'ppc64', platform: 'linux/ppc64le', words: 'PowerPC 64 LE' },
    { name: 's390x', spec: { bits: 64 as const, machine: 22, endian: 'big' as const }, machine: 's390', platform: 'linux/s390x', words: 's390x' },
  ])('reads the class, byte order and machine of $name', ({ spec, machine, platform, words }) => {
    const elf = parse(makeElf(spec))!;
    expect(elf.machine).toBe(machine);
    expect(elf.bits).toBe(spec.bits);
    expect(elf.endian).toBe(spec.endian ?? 'little');
    expect(elf.linking).toBe('static');
    expect(platformOfElf(elf)).toBe(platform);
    expect(describeMachine(elf)).toBe(words);
  });

  it('reads the loader of a dynamic program', () => {
    const elf = parse(makeElf({ bits: 64, machine: 183, interpreter: '/lib/ld-linux-aarch64.so.1' }))!;
    expect(elf.linking).toBe('dynamic');
    expect(elf.interpreter).toBe('/lib/ld-linux-aarch64.so.1');
  });

  it('reads 32-bit big-endian headers', () => {
    const elf = parse(makeElf({ bits: 32, machine: 20, endian: 'big', interpreter: '/lib/ld.so.1' }))!;
    expect(elf).toMatchObject({ bits: 32, endian: 'big', machine: 'ppc', interpreter: '/lib/ld.so.1' });
  });

  it('reads the ARM float ABI from e_flags and the version from .ARM.attributes', () => {
    const elf = parseElf({
      head: makeElf({ bits: 32, machine: 40, flags: 0x05000400 }),
      size: 1000,
      armAttributes: armAttributes({ cpuArch: 10, cpuName: '7-A', vfpArgs: 1 }),
    })!;
    expect(elf.arm).toMatchObject({ eabi: 5, floatAbi: 'hard', archVersion: 'v7', profile: 'A', cpuName: '7-A', archVersionSource: '.ARM.attributes' });
    expect(describeMachine(elf)).toBe('ARMv7 (hard-float)');
    expect(platformOfElf(elf)).toBe('linux/arm/v7');
    const soft = parse(makeElf({ bits: 32, machine: 40, flags: 0x05000200 }))!;
    expect(soft.arm).toMatchObject({ floatAbi: 'soft', archVersionSource: 'attributes not read' });
    expect(soft.arm?.archVersion).toBeUndefined();
  });

  it('says when the loader path lies beyond the bytes kept', () => {
    const full = makeElf({ bits: 64, machine: 62, interpreter: '/lib64/ld-linux-x86-64.so.2' });
    const elf = parseElf({ head: full.subarray(0, 130), size: full.length })!;
    expect(elf.problems?.[0]).toMatch(/program headers|loader/);
  });

  it('is undefined for something that is not ELF', () => {
    expect(parse(Buffer.from('#!/bin/sh\necho hi\n'))).toBeUndefined();
    expect(parse(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 9, 9]))).toBeUndefined();
  });
});

describe('machine rules per platform', () => {
  const arm = (cpuArch: number) =>
    parseElf({ head: makeElf({ bits: 32, machine: 40, flags: 0x05000400 }), size: 1000, armAttributes: armAttributes({ cpuArch }) })!;

  it('accepts the right machine and names the wrong one', () => {
    const x86 = parse(makeElf({ bits: 64, machine: 62 }))!;
    expect(machineMismatch(x86, expectedMachineFor({ architecture: 'amd64' })!)).toBeUndefined();
    expect(machineMismatch(x86, expectedMachineFor({ architecture: 'arm64' })!)).toBe('built for x86-64');
  });

  it('flags ARMv7 code in an arm/v6 entry, and accepts ARMv6 code in arm/v7', () => {
    expect(machineMismatch(arm(10), expectedMachineFor({ architecture: 'arm', variant: 'v6' })!)).toMatch(/ARMv7.*newer than ARMv6/);
    expect(machineMismatch(arm(6), expectedMachineFor({ architecture: 'arm', variant: 'v7' })!)).toBeUndefined();
    expect(machineMismatch(arm(10), expectedMachineFor({ architecture: 'arm', variant: 'v7' })!)).toBeUndefined();
  });

  it('has no rule for an unknown architecture', () => {
    expect(expectedMachineFor({ architecture: 'wasm' })).toBeUndefined();
  });
});

describe('FileCapture', () => {
  it('finds .ARM.attributes near the end of a file fed in small chunks', () => {
    const file = makeElf({ bits: 32, machine: 40, flags: 0x05000400, armAttributes: armAttributes({ cpuArch: 10 }), bodyBytes: 200_000 });
    const capture = new FileCapture(file.length);
    for (let i = 0; i < file.length; i += 4093) capture.data(file.subarray(i, i + 4093));
    const result = capture.result();
    expect(result.kind).toBe('elf');
    if (result.kind === 'elf') expect(result.elf.arm).toMatchObject({ archVersion: 'v7', archVersionSource: '.ARM.attributes' });
  });

  it('finds them when the pattern is split across chunks', () => {
    const file = makeElf({ bits: 32, machine: 40, armAttributes: armAttributes({ cpuArch: 6 }), bodyBytes: 1000 });
    const at = file.indexOf(Buffer.from('aeabi'));
    const capture = new FileCapture(file.length);
    capture.data(file.subarray(0, at + 2));
    capture.data(file.subarray(at + 2));
    const result = capture.result();
    expect(result.kind === 'elf' && result.elf.arm?.archVersion).toBe('v6');
  });

  it('reports an ARM file without attributes as having none', () => {
    const file = makeElf({ bits: 32, machine: 40, flags: 0x05000400 });
    const capture = new FileCapture(file.length);
    capture.data(file);
    const result = capture.result();
    expect(result.kind === 'elf' && result.elf.arm?.archVersion).toBeUndefined();
  });

  it('classifies scripts, empty files and other bytes', () => {
    const run = (b: Buffer) => {
      const c = new FileCapture(b.length);
      if (b.length) c.data(b);
      return c.result();
    };
    expect(run(Buffer.from('#!/usr/bin/env python3\nprint(1)\n'))).toEqual({ kind: 'script', interpreter: '/usr/bin/env', argument: 'python3' });
    expect(run(Buffer.alloc(0))).toEqual({ kind: 'empty' });
    expect(run(Buffer.from('MZ\x90\x00rest', 'latin1'))).toEqual({ kind: 'other', magic: '4d5a9000' });
  });
});

describe('parseShebang', () => {
  it.each([
    ['#!/bin/sh\n', { interpreter: '/bin/sh' }],
    ['#! /bin/bash -e\n', { interpreter: '/bin/bash', argument: '-e' }],
    ['#!/usr/bin/env  node --max-old-space-size=100 \n', { interpreter: '/usr/bin/env', argument: 'node --max-old-space-size=100' }],
    ['#!/bin/sh\r\necho\r\n', { interpreter: '/bin/sh\r', crlf: true }],
    ['#!\n', { interpreter: '' }],
  ])('reads %j', (text, expected) => {
    expect(parseShebang(Buffer.from(text, 'latin1'))).toEqual(expected);
  });

  it('is undefined without #!', () => {
    expect(parseShebang(Buffer.from('echo hi'))).toBeUndefined();
  });
});
