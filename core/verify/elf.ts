/**
 * Reading what an ELF file says about itself: class, byte order, machine, static or dynamic, its loader
 * (PT_INTERP) and, for 32-bit ARM, the float ABI (e_flags) and the architecture version (`.ARM.attributes`).
 * Pure functions over the bytes a layer stream kept; a field that lies outside those bytes is reported as
 * unreadable rather than guessed.
 */
import type { ElfFacts, ElfMachine } from '../contract/verify.js';

export const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

const EM: Record<number, ElfMachine> = {
  3: 'i386',
  8: 'mips',
  20: 'ppc',
  21: 'ppc64',
  22: 's390',
  40: 'arm',
  62: 'x86-64',
  183: 'aarch64',
  243: 'riscv',
  258: 'loongarch',
};

export const EM_ARM = 40;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
export const SHT_ARM_ATTRIBUTES = 0x70000003;
const EF_ARM_ABI_FLOAT_SOFT = 0x200;
const EF_ARM_ABI_FLOAT_HARD = 0x400;

export function isElf(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
}

/** The ELF header fields the streaming capture needs before the rest of the file has arrived. */
export interface ElfLayout {
  bits: 32 | 64;
  endian: 'little' | 'big';
  machineCode: number;
  shoff: number;
  shentsize: number;
  shnum: number;
}

function reader(buf: Buffer, endian: 'little' | 'big') {
  const le = endian === 'little';
  return {
    u16: (o: number) => (o + 2 <= buf.length ? (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o)) : undefined),
    u32: (o: number) => (o + 4 <= buf.length ? (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o)) : undefined),
    u64: (o: number) => {
      if (o + 8 > buf.length) return undefined;
      const v = le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o);
      return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
    },
  };
}

/** Class, byte order, machine and where the section headers sit; undefined when this is not an ELF header. */
export function readElfLayout(head: Buffer): ElfLayout | undefined {
  if (!isElf(head) || head.length < 52) return undefined;
  const cls = head[4];
  const data = head[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) return undefined;
  const bits = cls === 1 ? 32 : 64;
  const endian = data === 1 ? 'little' : 'big';
  const r = reader(head, endian);
  if (bits === 64 && head.length < 64) return undefined;
  const machineCode = r.u16(18) ?? 0;
  const shoff = (bits === 32 ? r.u32(32) : r.u64(40)) ?? 0;
  const shentsize = (bits === 32 ? r.u16(46) : r.u16(58)) ?? 0;
  const shnum = (bits === 32 ? r.u16(48) : r.u16(60)) ?? 0;
  return { bits, endian, machineCode, shoff, shentsize, shnum };
}

/** Where the `.ARM.attributes` section lies, read from a section header table (given from its start). */
export function findArmAttributesSection(sht: Buffer, layout: ElfLayout): { offset: number; size: number } | undefined {
  const r = reader(sht, layout.endian);
  const entsize = layout.shentsize || (layout.bits === 32 ? 40 : 64);
  for (let i = 0; i < layout.shnum; i++) {
    const base = i * entsize;
    const type = r.u32(base + 4);
    if (type === undefined) return undefined;
    if (type !== SHT_ARM_ATTRIBUTES) continue;
    const offset = layout.bits === 32 ? r.u32(base + 16) : r.u64(base + 24);
    const size = layout.bits === 32 ? r.u32(base + 20) : r.u64(base + 32);
    if (offset === undefined || size === undefined) return undefined;
    return { offset, size };
  }
  return undefined;
}

function uleb(buf: Buffer, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  let p = pos;
  while (p < buf.length) {
    const byte = buf[p++]!;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  return [result, p];
}

/** Tag_CPU_arch values of the ARM EABI, folded into the versions platforms name (v5, v6, v7, v8). */
function armVersionOf(cpuArch: number): 'v4' | 'v5' | 'v6' | 'v7' | 'v8' | undefined {
  if (cpuArch === 1 || cpuArch === 2) return 'v4';
  if (cpuArch >= 3 && cpuArch <= 5) return 'v5';
  if ([6, 7, 8, 9, 11, 12].includes(cpuArch)) return 'v6';
  if (cpuArch === 10 || cpuArch === 13) return 'v7';
  if (cpuArch >= 14) return 'v8';
  return undefined;
}

export interface ArmAttributes {
  cpuArch?: number;
  version?: 'v4' | 'v5' | 'v6' | 'v7' | 'v8';
  profile?: string;
  cpuName?: string;
  /** Tag_ABI_VFP_args: 1 means arguments pass in VFP registers (hard-float). */
  vfpArgs?: number;
}

/**
 * Parses the `aeabi` subsection of a `.ARM.attributes` section (format 'A', then vendor sections, then
 * tagged sub-sections). Only file-scope attributes (tag 1) are read.
 */
export function parseArmAttributes(section: Buffer): ArmAttributes | undefined {
  if (section.length < 6 || section[0] !== 0x41) return undefined;
  let pos = 1;
  while (pos + 4 <= section.length) {
    const len = section.readUInt32LE(pos);
    if (len < 5 || pos + len > section.length) return undefined;
    const end = pos + len;
    const nameEnd = section.indexOf(0, pos + 4);
    if (nameEnd < 0 || nameEnd >= end) return undefined;
    const vendor = section.toString('latin1', pos + 4, nameEnd);
    if (vendor === 'aeabi') {
      let p = nameEnd + 1;
      while (p + 5 <= end) {
        const tag = section[p]!;
        const size = section.readUInt32LE(p + 1);
        if (size < 5 || p + size > end) return undefined;
        if (tag === 1) return parseFileAttributes(section.subarray(p + 5, p + size));
        p += size;
      }
      return {};
    }
    pos = end;
  }
  return undefined;
}

function parseFileAttributes(buf: Buffer): ArmAttributes {
  const out: ArmAttributes = {};
  let p = 0;
  const readString = () => {
    const end = buf.indexOf(0, p);
    const s = buf.toString('latin1', p, end < 0 ? buf.length : end);
    p = end < 0 ? buf.length : end + 1;
    return s;
  };
  while (p < buf.length) {
    let tag: number;
    [tag, p] = uleb(buf, p);
    if (tag === 4 || tag === 5 || tag === 67) {
      const s = readString();
      if (tag === 5) out.cpuName = s;
    } else if (tag === 32) {
      [, p] = uleb(buf, p);
      readString();
    } else if (tag > 32 && tag % 2 === 1) {
      readString();
    } else {
      let value: number;
      [value, p] = uleb(buf, p);
      if (tag === 6) {
        out.cpuArch = value;
        const v = armVersionOf(value);
        if (v) out.version = v;
      } else if (tag === 7) {
        if (value) out.profile = String.fromCharCode(value);
      } else if (tag === 28) {
        out.vfpArgs = value;
      }
    }
  }
  return out;
}

/** Finds the start of a `.ARM.attributes` section inside a chunk: 'A', a length, then "aeabi\0". */
export function findArmAttributeCandidates(chunk: Buffer): number[] {
  const found: number[] = [];
  const needle = Buffer.from('aeabi\0', 'latin1');
  let at = chunk.indexOf(needle);
  while (at >= 0) {
    if (at >= 5 && chunk[at - 5] === 0x41) found.push(at - 5);
    at = chunk.indexOf(needle, at + 1);
  }
  return found;
}

export interface ElfParseInput {
  /** The first bytes of the file (the capture keeps up to 64 KiB). */
  head: Buffer;
  /** The file's full size, to tell a truncated file from one whose tables lie past the kept bytes. */
  size: number;
  /** The bytes of the `.ARM.attributes` section when the capture found them. */
  armAttributes?: Buffer;
  /** The capture saw the whole file but found no attribute section at the offset the section headers give. */
  armAttributesAbsent?: boolean;
}

/** Everything the checks need from an ELF file; `problems` lists what could not be read. */
export function parseElf(input: ElfParseInput): ElfFacts | undefined {
  const { head } = input;
  const layout = readElfLayout(head);
  if (!layout) return undefined;
  const r = reader(head, layout.endian);
  const is32 = layout.bits === 32;
  const type = r.u16(16) ?? 0;
  const flags = (is32 ? r.u32(36) : r.u32(48)) ?? 0;
  const phoff = (is32 ? r.u32(28) : r.u64(32)) ?? 0;
  const phentsize = (is32 ? r.u16(42) : r.u16(54)) ?? 0;
  const phnum = (is32 ? r.u16(44) : r.u16(56)) ?? 0;
  const facts: ElfFacts = {
    bits: layout.bits,
    endian: layout.endian,
    machineCode: layout.machineCode,
    machine: EM[layout.machineCode] ?? 'other',
    type: type === 2 ? 'executable' : type === 3 ? 'shared-object' : type === 1 ? 'relocatable' : type === 4 ? 'core' : 'other',
    linking: 'static',
  };
  const problems: string[] = [];
  let dynamic = false;
  if (phnum > 0 && phentsize > 0) {
    if (phoff + phnum * phentsize > head.length) {
      problems.push(phoff + phnum * phentsize > input.size ? 'the program headers lie past the end of the file' : 'the program headers lie beyond the bytes read');
    } else {
      for (let i = 0; i < phnum; i++) {
        const base = phoff + i * phentsize;
        const ptype = r.u32(base);
        if (ptype === PT_DYNAMIC) dynamic = true;
        if (ptype === PT_INTERP) {
          const offset = (is32 ? r.u32(base + 4) : r.u64(base + 8)) ?? 0;
          const filesz = (is32 ? r.u32(base + 16) : r.u64(base + 32)) ?? 0;
          if (offset + filesz <= head.length && filesz > 0) {
            const raw = head.subarray(offset, offset + filesz);
            const nul = raw.indexOf(0);
            facts.interpreter = raw.toString('utf8', 0, nul < 0 ? raw.length : nul);
          } else {
            facts.interpreter = null;
            problems.push('its loader path (PT_INTERP) lies beyond the bytes read');
          }
        }
      }
    }
  }
  facts.linking = facts.interpreter !== undefined ? 'dynamic' : dynamic && facts.type === 'shared-object' ? 'static-pie' : 'static';
  if (layout.machineCode === EM_ARM) {
    const arm: NonNullable<ElfFacts['arm']> = {
      eabi: flags >>> 24,
      floatAbi: flags & EF_ARM_ABI_FLOAT_HARD ? 'hard' : flags & EF_ARM_ABI_FLOAT_SOFT ? 'soft' : 'unknown',
      archVersionSource: 'attributes not read',
    };
    const attrs = input.armAttributes ? parseArmAttributes(input.armAttributes) : undefined;
    if (attrs?.version) arm.archVersion = attrs.version;
    if (attrs?.profile) arm.profile = attrs.profile;
    if (attrs?.cpuName) arm.cpuName = attrs.cpuName;
    if (arm.floatAbi === 'unknown' && attrs?.vfpArgs !== undefined) arm.floatAbi = attrs.vfpArgs === 1 ? 'hard' : 'soft';
    if (!attrs?.version) arm.archVersionSource = input.armAttributesAbsent ? 'no .ARM.attributes section' : 'attributes not read';
    else arm.archVersionSource = '.ARM.attributes';
    facts.arm = arm;
  }
  if (problems.length) facts.problems = problems;
  return facts;
}

/** The machine in words a person recognises, with the ARM details that matter. */
export function describeMachine(elf: Pick<ElfFacts, 'machine' | 'bits' | 'endian' | 'machineCode' | 'arm'>): string {
  switch (elf.machine) {
    case 'x86-64':
      return 'x86-64';
    case 'i386':
      return 'i386 (32-bit x86)';
    case 'aarch64':
      return 'AArch64 (arm64)';
    case 'arm': {
      const parts = [elf.arm?.archVersion ? `ARM${elf.arm.archVersion}` : 'ARM 32-bit'];
      if (elf.arm?.floatAbi === 'hard') parts.push('hard-float');
      if (elf.arm?.floatAbi === 'soft') parts.push('soft-float');
      return parts.length > 1 ? `${parts[0]} (${parts.slice(1).join(', ')})` : parts[0]!;
    }
    case 'riscv':
      return `RISC-V ${elf.bits}-bit`;
    case 'ppc64':
      return elf.endian === 'little' ? 'PowerPC 64 LE' : 'PowerPC 64 (big-endian)';
    case 'ppc':
      return 'PowerPC 32-bit';
    case 's390':
      return elf.bits === 64 ? 's390x' : 's390 (31-bit)';
    case 'mips':
      return `MIPS ${elf.bits}-bit ${elf.endian === 'little' ? 'little' : 'big'}-endian`;
    case 'loongarch':
      return `LoongArch ${elf.bits}-bit`;
    default:
      return `ELF machine ${elf.machineCode}`;
  }
}

/** The container platform an ELF file was built for, as docker names it, when there is one. */
export function platformOfElf(elf: Pick<ElfFacts, 'machine' | 'bits' | 'endian' | 'arm'>): string | undefined {
  const le = elf.endian === 'little';
  switch (elf.machine) {
    case 'x86-64':
      return elf.bits === 64 ? 'linux/amd64' : undefined;
    case 'i386':
      return 'linux/386';
    case 'aarch64':
      return 'linux/arm64';
    case 'arm':
      return `linux/arm${elf.arm?.archVersion && ['v5', 'v6', 'v7', 'v8'].includes(elf.arm.archVersion) ? `/${elf.arm.archVersion}` : ''}`;
    case 'riscv':
      return elf.bits === 64 ? 'linux/riscv64' : undefined;
    case 'ppc64':
      return le ? 'linux/ppc64le' : 'linux/ppc64';
    case 's390':
      return elf.bits === 64 ? 'linux/s390x' : undefined;
    case 'mips':
      return elf.bits === 64 ? (le ? 'linux/mips64le' : 'linux/mips64') : le ? 'linux/mipsle' : 'linux/mips';
    case 'loongarch':
      return elf.bits === 64 ? 'linux/loong64' : undefined;
    default:
      return undefined;
  }
}

export interface ExpectedMachine {
  machine: ElfMachine;
  bits: 32 | 64;
  endian: 'little' | 'big';
  /** For arm: the highest architecture version the platform's CPUs run. */
  maxArmVersion?: 'v5' | 'v6' | 'v7' | 'v8';
}

/** What an ELF file must be for a platform; undefined for a platform we have no rule for. */
export function expectedMachineFor(platform: { architecture: string; variant?: string | undefined }): ExpectedMachine | undefined {
  switch (platform.architecture) {
    case 'amd64':
      return { machine: 'x86-64', bits: 64, endian: 'little' };
    case '386':
      return { machine: 'i386', bits: 32, endian: 'little' };
    case 'arm64':
      return { machine: 'aarch64', bits: 64, endian: 'little' };
    case 'arm': {
      const v = platform.variant;
      // containerd reads a bare "arm" as v7
      const maxArmVersion = v === 'v5' || v === 'v6' || v === 'v7' || v === 'v8' ? v : 'v7';
      return { machine: 'arm', bits: 32, endian: 'little', maxArmVersion };
    }
    case 'riscv64':
      return { machine: 'riscv', bits: 64, endian: 'little' };
    case 'ppc64le':
      return { machine: 'ppc64', bits: 64, endian: 'little' };
    case 'ppc64':
      return { machine: 'ppc64', bits: 64, endian: 'big' };
    case 's390x':
      return { machine: 's390', bits: 64, endian: 'big' };
    case 'mips64le':
      return { machine: 'mips', bits: 64, endian: 'little' };
    case 'mips64':
      return { machine: 'mips', bits: 64, endian: 'big' };
    case 'mipsle':
      return { machine: 'mips', bits: 32, endian: 'little' };
    case 'mips':
      return { machine: 'mips', bits: 32, endian: 'big' };
    case 'loong64':
      return { machine: 'loongarch', bits: 64, endian: 'little' };
    default:
      return undefined;
  }
}

const ARM_ORDER = ['v4', 'v5', 'v6', 'v7', 'v8'];

/** Why this ELF file does not fit the platform, or undefined when it fits. */
export function machineMismatch(elf: ElfFacts, expected: ExpectedMachine): string | undefined {
  if (elf.machine !== expected.machine || elf.bits !== expected.bits || elf.endian !== expected.endian) {
    return `built for ${describeMachine(elf)}`;
  }
  if (expected.machine === 'arm' && expected.maxArmVersion && elf.arm?.archVersion) {
    if (ARM_ORDER.indexOf(elf.arm.archVersion) > ARM_ORDER.indexOf(expected.maxArmVersion)) {
      return `built for ${describeMachine(elf)}, newer than ARM${expected.maxArmVersion}`;
    }
  }
  return undefined;
}
