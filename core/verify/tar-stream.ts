/**
 * A push-driven tar reader: bytes go in as they arrive from the network (after decompression), entries come
 * out as headers plus data chunks. Nothing is buffered beyond one 512-byte block and the extended headers
 * (pax, GNU long names), so a layer of any size is read in constant memory.
 * Reads ustar, pax (per-file and global) and the GNU long name/link extensions.
 */

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'chardev' | 'blockdev' | 'directory' | 'fifo' | 'other';

export interface TarHeader {
  /** As written in the archive, with pax/GNU long names applied. */
  path: string;
  type: TarEntryType;
  /** Permission bits (and setuid/setgid/sticky). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch (pax may give fractions). */
  mtime: number;
  linkpath: string;
}

export interface TarDataSink {
  data(chunk: Buffer): void;
  end(): void;
}

/** Return a sink to receive the entry's bytes, or undefined to skip them. */
export type TarEntryHandler = (header: TarHeader) => TarDataSink | undefined;

export class TarFormatError extends Error {
  override readonly name = 'TarFormatError';
}

const BLOCK = 512;
const MAX_EXTENDED = 1024 * 1024;

function parseNumber(field: Buffer): number {
  if (field.length === 0) return 0;
  if (field[0]! & 0x80) {
    // base-256 (GNU and star): big-endian two's complement, first bit a marker
    let value = 0;
    for (let i = 0; i < field.length; i++) {
      const byte = i === 0 ? field[i]! & 0x7f : field[i]!;
      value = value * 256 + byte;
    }
    return value;
  }
  const text = field.toString('latin1').replace(/[\0 ]+.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`a tar number field holds "${text}"`);
  return parseInt(text, 8);
}

function cString(buf: Buffer, start: number, length: number): string {
  const slice = buf.subarray(start, start + length);
  const nul = slice.indexOf(0);
  return slice.toString('utf8', 0, nul < 0 ? slice.length : nul);
}

function typeOf(flag: string): TarEntryType {
  switch (flag) {
    case '0':
    case '\0':
    case '7':
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'chardev';
    case '4':
      return 'blockdev';
    case '5':
      return 'directory';
    case '6':
      return 'fifo';
    default:
      return 'other';
  }
}

/** Parses pax records: "LEN key=value\n" repeated. */
export function parsePaxRecords(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < buf.length) {
    const space = buf.indexOf(0x20, pos);
    if (space < 0) break;
    const len = parseInt(buf.toString('latin1', pos, space), 10);
    if (!Number.isFinite(len) || len <= 0 || pos + len > buf.length) throw new TarFormatError('a pax record has a bad length');
    const record = buf.toString('utf8', space + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += len;
  }
  return out;
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

function checksumOk(block: Buffer): boolean {
  const stored = parseNumber(block.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

type State =
  | { kind: 'header' }
  | { kind: 'data'; remaining: number; padding: number; sink: TarDataSink | undefined }
  | { kind: 'extended'; remaining: number; padding: number; chunks: Buffer[]; flag: string }
  | { kind: 'padding'; remaining: number }
  | { kind: 'done' };

export class TarParser {
  private state: State = { kind: 'header' };
  private block = Buffer.alloc(BLOCK);
  private blockFill = 0;
  private pendingPax: Record<string, string> = {};
  private globalPax: Record<string, string> = {};
  private longName: string | undefined;
  private longLink: string | undefined;
  private zeroBlocks = 0;
  /** Bytes consumed, for error messages. */
  private offset = 0;
  entries = 0;

  constructor(private readonly onEntry: TarEntryHandler) {}

  get finished(): boolean {
    return this.state.kind === 'done';
  }

  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      const state = this.state;
      if (state.kind === 'done') return; // trailing bytes after the end blocks are allowed
      if (state.kind === 'header') {
        const take = Math.min(BLOCK - this.blockFill, chunk.length - pos);
        chunk.copy(this.block, this.blockFill, pos, pos + take);
        this.blockFill += take;
        pos += take;
        if (this.blockFill === BLOCK) {
          this.blockFill = 0;
          this.readHeader(this.block);
          this.offset += BLOCK;
        }
        continue;
      }
      if (state.kind === 'data') {
        if (state.remaining > 0) {
          const take = Math.min(state.remaining, chunk.length - pos);
          state.sink?.data(chunk.subarray(pos, pos + take));
          state.remaining -= take;
          pos += take;
          this.offset += take;
          if (state.remaining === 0) state.sink?.end();
          continue;
        }
        this.state = state.padding > 0 ? { kind: 'padding', remaining: state.padding } : { kind: 'header' };
        continue;
      }
      if (state.kind === 'extended') {
        if (state.remaining > 0) {
          const take = Math.min(state.remaining, chunk.length - pos);
          state.chunks.push(Buffer.from(chunk.subarray(pos, pos + take)));
          state.remaining -= take;
          pos += take;
          this.offset += take;
          if (state.remaining === 0) this.finishExtended(state.flag, Buffer.concat(state.chunks));
          continue;
        }
        this.state = state.padding > 0 ? { kind: 'padding', remaining: state.padding } : { kind: 'header' };
        continue;
      }
      // padding
      const take = Math.min(state.remaining, chunk.length - pos);
      state.remaining -= take;
      pos += take;
      this.offset += take;
      if (state.remaining === 0) this.state = { kind: 'header' };
    }
    // an entry whose data ended exactly at the chunk end still owes its padding transition
    const s = this.state;
    if (s.kind === 'data' && s.remaining === 0) this.state = s.padding > 0 ? { kind: 'padding', remaining: s.padding } : { kind: 'header' };
    if (s.kind === 'extended' && s.remaining === 0) this.state = s.padding > 0 ? { kind: 'padding', remaining: s.padding } : { kind: 'header' };
  }

  /** Call when the input ends: an archive cut in the middle of an entry is an error. */
  end(): void {
    const s = this.state;
    if (s.kind === 'done') return;
    if (s.kind === 'header' && this.blockFill === 0) return; // some writers omit the end blocks
    if (s.kind === 'padding' || (s.kind === 'data' && s.remaining === 0)) return;
    throw new TarFormatError(`the archive ends in the middle of an entry (after ${this.offset} bytes)`);
  }

  private readHeader(block: Buffer): void {
    if (isZeroBlock(block)) {
      this.zeroBlocks++;
      if (this.zeroBlocks >= 2) this.state = { kind: 'done' };
      return;
    }
    this.zeroBlocks = 0;
    if (!checksumOk(block)) throw new TarFormatError(`a tar header at byte ${this.offset} has a wrong checksum (not a tar archive, or a damaged one)`);
    const flag = String.fromCharCode(block[156]!);
    const size = parseNumber(block.subarray(124, 136));
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > MAX_EXTENDED) throw new TarFormatError(`an extended header of ${size} bytes is larger than allowed`);
      this.state = { kind: 'extended', remaining: size, padding, chunks: [], flag };
      if (size === 0) this.finishExtended(flag, Buffer.alloc(0));
      return;
    }
    const magic = block.toString('latin1', 257, 263);
    let name = cString(block, 0, 100);
    if (magic === 'ustar\0') {
      const prefix = cString(block, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    const pax = { ...this.globalPax, ...this.pendingPax };
    const header: TarHeader = {
      path: pax.path ?? this.longName ?? name,
      type: typeOf(flag),
      mode: parseNumber(block.subarray(100, 108)) & 0o7777,
      uid: pax.uid !== undefined ? Number(pax.uid) : parseNumber(block.subarray(108, 116)),
      gid: pax.gid !== undefined ? Number(pax.gid) : parseNumber(block.subarray(116, 124)),
      size: pax.size !== undefined ? Number(pax.size) : size,
      mtime: pax.mtime !== undefined ? Number(pax.mtime) : parseNumber(block.subarray(136, 148)),
      linkpath: pax.linkpath ?? this.longLink ?? cString(block, 157, 100),
    };
    this.pendingPax = {};
    this.longName = undefined;
    this.longLink = undefined;
    this.entries++;
    // links, devices and directories carry no data even when a size is written
    const dataSize = header.type === 'file' || header.type === 'other' ? header.size : 0;
    const sink = this.onEntry(header);
    if (dataSize === 0) {
      sink?.end();
      this.state = { kind: 'header' };
      return;
    }
    this.state = { kind: 'data', remaining: dataSize, padding: (BLOCK - (dataSize % BLOCK)) % BLOCK, sink };
  }

  private finishExtended(flag: string, body: Buffer): void {
    if (flag === 'x') this.pendingPax = { ...this.pendingPax, ...parsePaxRecords(body) };
    else if (flag === 'g') this.globalPax = { ...this.globalPax, ...parsePaxRecords(body) };
    else if (flag === 'L') this.longName = cString(body, 0, body.length);
    else if (flag === 'K') this.longLink = cString(body, 0, body.length);
  }
}

/** A path from a tar header as an absolute path in the image: "./usr/bin/" → "/usr/bin". */
export function normalizeTarPath(p: string): string {
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}
