/** Writes small but well-formed ELF files for the tests: header, program headers, loader path, ARM attributes. */
export interface ElfSpec {
  bits: 32 | 64;
  endian?: 'little' | 'big';
  machine: number;
  flags?: number;
  interpreter?: string;
  /** Raw `.ARM.attributes` bytes; a section header table pointing at them is written too. */
  armAttributes?: Buffer;
  /** Bytes of padding before the attributes, to push them past one stream chunk. */
  bodyBytes?: number;
  type?: number;
}

export function armAttributes(opts: { cpuArch: number; cpuName?: string; vfpArgs?: number }): Buffer {
  const attrs: number[] = [];
  if (opts.cpuName) attrs.push(5, ...Buffer.from(`${opts.cpuName}\0`, 'latin1'));
  attrs.push(6, opts.cpuArch, 7, 0x41);
  if (opts.vfpArgs !== undefined) attrs.push(28, opts.vfpArgs);
  const file = Buffer.alloc(5 + attrs.length);
  file[0] = 1;
  file.writeUInt32LE(5 + attrs.length, 1);
  Buffer.from(attrs).copy(file, 5);
  const vendor = Buffer.concat([Buffer.from('aeabi\0', 'latin1'), file]);
  const section = Buffer.alloc(4 + vendor.length);
  section.writeUInt32LE(4 + vendor.length, 0);
  vendor.copy(section, 4);
  return Buffer.concat([Buffer.from([0x41]), section]);
}

export function makeElf(spec: ElfSpec): Buffer {
  const is64 = spec.bits === 64;
  const le = (spec.endian ?? 'little') === 'little';
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const shentsize = is64 ? 64 : 40;
  const phnum = spec.interpreter ? 2 : 1;
  const interp = spec.interpreter ? Buffer.from(`${spec.interpreter}\0`) : Buffer.alloc(0);
  const interpOffset = ehsize + phnum * phentsize;
  const body = Buffer.alloc(spec.bodyBytes ?? 64, 0x90);
  const attrOffset = interpOffset + interp.length + body.length;
  const attrs = spec.armAttributes ?? Buffer.alloc(0);
  const shoff = attrOffset + attrs.length + ((4 - ((attrOffset + attrs.length) % 4)) % 4);
  const shnum = spec.armAttributes ? 2 : 0;
  const total = shoff + shnum * shentsize;
  const b = Buffer.alloc(total);
  const u16 = (o: number, v: number) => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const u32 = (o: number, v: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  const word = (o: number, v: number) => (is64 ? (le ? b.writeBigUInt64LE(BigInt(v), o) : b.writeBigUInt64BE(BigInt(v), o)) : u32(o, v));
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1, 0]).copy(b, 0);
  u16(16, spec.type ?? 2);
  u16(18, spec.machine);
  u32(20, 1);
  word(24, 0x10000);
  word(is64 ? 32 : 28, ehsize);
  word(is64 ? 40 : 32, shnum ? shoff : 0);
  u32(is64 ? 48 : 36, spec.flags ?? 0);
  u16(is64 ? 52 : 40, ehsize);
  u16(is64 ? 54 : 42, phentsize);
  u16(is64 ? 56 : 44, phnum);
  u16(is64 ? 58 : 46, shentsize);
  u16(is64 ? 60 : 48, shnum);
  let ph = ehsize;
  if (spec.interpreter) {
    u32(ph, 3);
    if (is64) {
      word(ph + 8, interpOffset);
      word(ph + 32, interp.length);
    } else {
      u32(ph + 4, interpOffset);
      u32(ph + 16, interp.length);
    }
    ph += phentsize;
  }
  u32(ph, 1); // PT_LOAD
  interp.copy(b, interpOffset);
  body.copy(b, interpOffset + interp.length);
  attrs.copy(b, attrOffset);
  if (shnum) {
    const sh = shoff + shentsize; // entry 0 stays the null section
    u32(sh + 4, 0x70000003);
    if (is64) {
      word(sh + 24, attrOffset);
      word(sh + 32, attrs.length);
    } else {
      u32(sh + 16, attrOffset);
      u32(sh + 20, attrs.length);
    }
  }
  return b;
}

/** A ustar archive of entries; `type` is the tar type flag. */
export function makeTar(entries: Array<{ name: string; type?: string; mode?: number; content?: Buffer; link?: string; mtime?: number; uid?: number }>, options: { trailer?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const content = e.content ?? Buffer.alloc(0);
    const header = Buffer.alloc(512);
    const field = (offset: number, length: number, value: string) => header.write(value, offset, length, 'utf8');
    const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, '0');
    let name = e.name;
    if (Buffer.byteLength(name) > 100) {
      // pax header carrying the long path
      const record = (k: string, v: string) => {
        const body = ` ${k}=${v}\n`;
        let len = body.length + 1;
        while (String(len).length + body.length !== len) len = String(len).length + body.length;
        return `${len}${body}`;
      };
      const pax = Buffer.from(record('path', name));
      parts.push(makeTar([{ name: 'PaxHeader/x', type: 'x', content: pax }], { trailer: false }));
      name = name.slice(-90);
    }
    field(0, 100, name);
    field(100, 8, octal(e.mode ?? 0o644, 8));
    field(108, 8, octal(e.uid ?? 0, 8));
    field(116, 8, octal(0, 8));
    field(124, 12, octal(content.length, 12));
    field(136, 12, octal(e.mtime ?? 1_700_000_000, 12));
    field(148, 8, '        ');
    field(156, 1, e.type ?? '0');
    if (e.link) field(157, 100, e.link);
    header.write('ustar\0', 257, 6, 'latin1');
    field(263, 2, '00');
    let sum = 0;
    for (const byte of header) sum += byte;
    field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
    parts.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  if (options.trailer !== false) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
