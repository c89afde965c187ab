/**
 * What a layer stream keeps of one executable file while its bytes pass: the head (ELF header, program
 * headers, loader path, or the #! line) and, for 32-bit ARM ELF files, the section header table and the
 * `.ARM.attributes` section. Once the file ends only the parsed facts remain.
 */
import type { ExecContent } from '../contract/verify.js';
import { EM_ARM, findArmAttributeCandidates, findArmAttributesSection, isElf, parseElf, readElfLayout, type ElfLayout } from './elf.js';

/** Enough for the ELF and program headers and the loader path of any ordinary binary. */
export const HEAD_BYTES = 64 * 1024;
const MAX_SHT_BYTES = 256 * 1024;
const MAX_ATTR_BYTES = 64 * 1024;
const MAX_CANDIDATES = 8;

/** Reads a `#!` line the way the kernel does: interpreter up to the first blank, the rest as one argument. */
export function parseShebang(head: Buffer): { interpreter: string; argument?: string; crlf?: boolean } | undefined {
  if (head.length < 2 || head[0] !== 0x23 || head[1] !== 0x21) return undefined;
  // Linux reads at most 256 bytes of the line (BINPRM_BUF_SIZE)
  const limit = Math.min(head.length, 256);
  let end = head.indexOf(0x0a, 2);
  if (end < 0 || end > limit) end = limit;
  let line = head.toString('latin1', 2, end);
  const crlf = line.endsWith('\r');
  line = line.replace(/^[ \t]+/, '');
  const m = /^([^ \t]*)(?:[ \t]+(.*?))?[ \t]*$/s.exec(line);
  const interpreter = m?.[1] ?? '';
  const argument = m?.[2];
  const out: { interpreter: string; argument?: string; crlf?: boolean } = { interpreter };
  if (argument) out.argument = argument;
  if (crlf) out.crlf = true;
  return out;
}

/** Classifies a file's first bytes without any further data (everything but ARM attributes). */
export function classifyHead(head: Buffer, size: number, extra: { armAttributes?: Buffer; armAttributesAbsent?: boolean } = {}): ExecContent {
  if (size === 0 || head.length === 0) return { kind: 'empty' };
  if (isElf(head)) {
    const elf = parseElf({ head, size, ...extra });
    if (elf) return { kind: 'elf', elf };
  }
  const script = parseShebang(head);
  if (script) return { kind: 'script', ...script };
  return { kind: 'other', magic: head.subarray(0, 4).toString('hex') };
}

/** Receives one file's bytes in order; `result()` after the last chunk. */
export class FileCapture {
  private head: Buffer[] = [];
  private headLength = 0;
  private offset = 0;
  private layout: ElfLayout | undefined;
  private layoutRead = false;
  private sht: Buffer | undefined;
  private shtFill = 0;
  private candidates: Array<{ offset: number; bytes: Buffer[]; length: number; want: number }> = [];
  /** The last bytes of the previous chunk, so a pattern split across chunks is still found. */
  private carry = Buffer.alloc(0);

  constructor(private readonly size: number) {}

  data(chunk: Buffer): void {
    if (this.headLength < HEAD_BYTES) {
      const take = Math.min(HEAD_BYTES - this.headLength, chunk.length);
      this.head.push(Buffer.from(chunk.subarray(0, take)));
      this.headLength += take;
    }
    if (!this.layoutRead && this.headLength >= 64) {
      this.layoutRead = true;
      const h = Buffer.concat(this.head);
      this.head = [h];
      const layout = readElfLayout(h);
      if (layout && layout.machineCode === EM_ARM) {
        this.layout = layout;
        const shtBytes = layout.shnum * (layout.shentsize || 40);
        if (shtBytes > 0 && shtBytes <= MAX_SHT_BYTES && layout.shoff + shtBytes <= this.size) this.sht = Buffer.alloc(shtBytes);
      }
    }
    if (this.layout) this.scanArm(chunk);
    this.offset += chunk.length;
  }

  private scanArm(chunk: Buffer): void {
    const start = this.offset;
    const end = start + chunk.length;
    const layout = this.layout!;
    if (this.sht) {
      const from = Math.max(start, layout.shoff);
      const to = Math.min(end, layout.shoff + this.sht.length);
      if (from < to) {
        chunk.copy(this.sht, from - layout.shoff, from - start, to - start);
        this.shtFill += to - from;
      }
    }
    for (const c of this.candidates) {
      if (c.length >= c.want) continue;
      const from = Math.max(start, c.offset + c.length);
      const to = Math.min(end, c.offset + c.want);
      if (from < to) {
        c.bytes.push(Buffer.from(chunk.subarray(from - start, to - start)));
        c.length += to - from;
      }
    }
    if (this.candidates.length >= MAX_CANDIDATES) {
      this.carry = Buffer.alloc(0);
      return;
    }
    const window = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const windowStart = start - this.carry.length;
    for (const at of findArmAttributeCandidates(window)) {
      const abs = windowStart + at;
      if (this.candidates.some((c) => c.offset === abs) || this.candidates.length >= MAX_CANDIDATES) continue;
      if (at + 5 > window.length) continue;
      const declared = window.readUInt32LE(at + 1);
      const want = Math.min(1 + declared, MAX_ATTR_BYTES);
      const have = Math.min(window.length - at, want);
      this.candidates.push({ offset: abs, bytes: [Buffer.from(window.subarray(at, at + have))], length: have, want });
    }
    this.carry = Buffer.from(window.subarray(Math.max(0, window.length - 16)));
  }

  result(): ExecContent {
    const head = this.head.length === 1 ? this.head[0]! : Buffer.concat(this.head);
    if (!this.layout) return classifyHead(head, this.size);
    let armAttributes: Buffer | undefined;
    let armAttributesAbsent = false;
    if (this.sht && this.shtFill === this.sht.length) {
      const section = findArmAttributesSection(this.sht, this.layout);
      if (!section) armAttributesAbsent = true;
      else {
        const hit = this.candidates.find((c) => c.offset === section.offset);
        if (hit) armAttributes = Buffer.concat(hit.bytes).subarray(0, section.size);
      }
    } else if (this.candidates.length === 1) {
      // no readable section table (stripped of it, or too large): a lone well-formed candidate is the section
      armAttributes = Buffer.concat(this.candidates[0]!.bytes);
    }
    return classifyHead(head, this.size, { ...(armAttributes ? { armAttributes } : {}), ...(armAttributesAbsent ? { armAttributesAbsent } : {}) });
  }
}
