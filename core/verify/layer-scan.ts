/**
 * One layer blob read as a stream: its compression told from its first bytes (gzip, zstd or plain tar),
 * decompressed on the fly (node's zlib; zstd through fzstd, since Node 20's zlib has none), its tar entries
 * turned into metadata, the first bytes of executable files parsed, and fingerprints taken: one of
 * everything but file times (with every file's bytes when asked, else with each file's first and last bytes), one
 * of the times alone. The compressed bytes are checked against the digest.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { AppError } from '../contract/errors.js';
import { FileCapture } from './file-capture.js';
import { whiteoutOf, type FsEntryKind, type LayerEntry } from './layer-fs.js';
import { normalizeTarPath, TarFormatError, TarParser, type TarHeader } from './tar-stream.js';

export type Compression = 'gzip' | 'zstd' | 'none';

/** zlib's default output chunk is 16 KiB: on a 100 MiB layer that is 6,400 callbacks and buffers for the GC; 128 KiB
 * cut the verify's user CPU by about a fifth here. */
const GUNZIP_CHUNK = 128 * 1024;

/** How much of each file's start and of its end goes into the sample fingerprint. Hashing every byte of every file
 * cost about a fifth of the verify's main-thread time, for a fact (layers that differ only in file times) that
 * needs the bytes only when two layers already match on everything the sample holds. */
export const SAMPLE_BYTES = 4096;

export interface LayerSummary {
  digest: string;
  compression: Compression;
  compressedSize: number;
  uncompressedSize: number;
  entries: LayerEntry[];
  /** Regular files in the layer. */
  files: number;
  /** sha1 over names, types, modes, owners, sizes, link targets and each file's first and last SAMPLE_BYTES (all of
   * a file no larger than twice that): equal for layers whose contentKeys are equal, and cheap to take. */
  sampleKey: string;
  /** sha1 over names, types, modes, owners, sizes, link targets and all file bytes: everything but times. Known
   * when the scan hashed every byte (`fullContent`) or when every file was small enough for the sample to hold
   * all of it (then it equals sampleKey); otherwise undefined, and taken by reading the layer again only when the
   * compare needs it (see `timeOnlyCandidates`). */
  contentKey?: string;
  /** sha256 over the file times alone. */
  timesKey: string;
}

/** Directories whose executables are checked even without being the entrypoint. */
export const USUAL_EXEC_DIRS = ['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'] as const;

export function compressionOf(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/** A Transform over fzstd's streaming decoder. */
function zstdTransform(): Transform {
  let pushOut: ((chunk: Buffer) => void) | undefined;
  const decoder = new ZstdDecompress((data) => pushOut?.(Buffer.from(data.buffer, data.byteOffset, data.byteLength)));
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      pushOut = (b) => this.push(Buffer.from(b));
      try {
        decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        cb();
      } catch (error) {
        cb(error as Error);
      }
    },
    flush(cb) {
      pushOut = (b) => this.push(Buffer.from(b));
      try {
        decoder.push(new Uint8Array(0), true);
        cb();
      } catch (error) {
        cb(error as Error);
      }
    },
  });
}

function kindOf(header: TarHeader): FsEntryKind {
  switch (header.type) {
    case 'file':
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'hardlink':
      return 'hardlink';
    default:
      return 'other';
  }
}

export interface ScanOptions {
  /** The digest the bytes must hash to; checked at the end. */
  digest?: string;
  /** Extra files to look into besides executables and the usual directories (e.g. the entrypoint). */
  alsoCapture?: ReadonlySet<string>;
  /** Hash every byte of every file into contentKey; no executable's bytes are kept (the compare's second read). */
  fullContent?: boolean;
  signal?: AbortSignal;
}

function wantsCapture(path: string, mode: number, also: ReadonlySet<string> | undefined): boolean {
  if ((mode & 0o111) !== 0) return true;
  const slash = path.lastIndexOf('/');
  const dir = slash <= 0 ? '/' : path.slice(0, slash);
  return (USUAL_EXEC_DIRS as readonly string[]).includes(dir) || (also?.has(path) ?? false);
}

/** Reads a layer from its byte stream to the end. Memory stays flat whatever the layer's size. */
export async function scanLayer(source: AsyncIterable<Uint8Array>, options: ScanOptions = {}): Promise<LayerSummary> {
  const algorithm = options.digest?.startsWith('sha512:') ? 'sha512' : 'sha256';
  const blobHash = createHash(algorithm);
  // equality fingerprints between layers the digest check already vouched for, not security checks: sha1 costs
  // about half of sha256 per byte here. The sample sees a few KiB per file; the full one, when asked, every byte
  const sampleHash = createHash('sha1');
  const fullHash = options.fullContent ? createHash('sha1') : undefined;
  let sampledAll = true;
  const timesHash = createHash('sha256');
  const entries: LayerEntry[] = [];
  let compressedSize = 0;
  let uncompressedSize = 0;
  let files = 0;

  const parser = new TarParser((header) => {
    const path = normalizeTarPath(header.path);
    const link = header.type === 'hardlink' ? normalizeTarPath(header.linkpath) : header.linkpath;
    const meta = `${JSON.stringify([path, header.type, header.mode, header.uid, header.gid, header.size, link])}\n`;
    sampleHash.update(meta);
    fullHash?.update(meta);
    timesHash.update(`${path}\0${header.mtime}\n`);
    const whiteout = whiteoutOf(path);
    if (whiteout) {
      entries.push({ path: whiteout.kind === 'whiteout' ? whiteout.target : whiteout.dir, kind: whiteout.kind, mode: 0, size: 0, uid: 0, gid: 0, mtime: header.mtime });
      return undefined;
    }
    const kind = kindOf(header);
    const entry: LayerEntry = { path, kind, mode: header.mode, size: kind === 'file' ? header.size : 0, uid: header.uid, gid: header.gid, mtime: header.mtime };
    if (kind === 'symlink' || kind === 'hardlink') entry.link = link;
    entries.push(entry);
    if (kind !== 'file') return undefined;
    files++;
    const capture = !options.fullContent && wantsCapture(path, header.mode, options.alsoCapture) ? new FileCapture(header.size) : undefined;
    // the sample: bytes [0, headEnd) and [tailStart, size), which together are the whole file when it is small
    const headEnd = Math.min(header.size, SAMPLE_BYTES);
    const tailStart = Math.max(headEnd, header.size - SAMPLE_BYTES);
    if (tailStart > headEnd) sampledAll = false;
    let offset = 0;
    return {
      data(chunk) {
        fullHash?.update(chunk);
        const end = offset + chunk.length;
        if (offset < headEnd) sampleHash.update(chunk.subarray(0, Math.min(chunk.length, headEnd - offset)));
        if (end > tailStart) sampleHash.update(chunk.subarray(Math.max(offset, tailStart) - offset));
        offset = end;
        capture?.data(chunk);
      },
      end() {
        if (capture) entry.content = capture.result();
      },
    };
  });

  const iterator = source[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let firstLength = 0;
  let ended = false;
  while (firstLength < 4) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const b = Buffer.from(next.value);
    first.push(b);
    firstLength += b.length;
  }
  const compression = compressionOf(Buffer.concat(first));

  async function* compressed(): AsyncGenerator<Buffer> {
    for (const b of first) {
      blobHash.update(b);
      compressedSize += b.length;
      yield b;
    }
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      const b = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      blobHash.update(b);
      compressedSize += b.length;
      yield b;
    }
  }

  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      uncompressedSize += chunk.length;
      try {
        parser.push(chunk);
        cb();
      } catch (error) {
        cb(error as Error);
      }
    },
    final(cb) {
      try {
        parser.end();
        cb();
      } catch (error) {
        cb(error as Error);
      }
    },
  });

  const input = Readable.from(compressed(), { objectMode: false });
  const what = options.digest ? `layer ${options.digest}` : 'the layer';
  try {
    const opts = options.signal ? { signal: options.signal } : {};
    if (compression === 'gzip') await pipeline(input, createGunzip({ chunkSize: GUNZIP_CHUNK }), sink, opts);
    else if (compression === 'zstd') await pipeline(input, zstdTransform(), sink, opts);
    else await pipeline(input, sink, opts);
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (options.signal?.aborted) throw new AppError('cancelled', `Reading ${what} was cancelled.`);
    const reason = error instanceof TarFormatError ? error.message : error instanceof Error ? error.message : String(error);
    throw new AppError('registry-error', `${what} could not be read as a ${compression === 'none' ? 'tar archive' : `${compression}-compressed tar archive`}: ${reason}.`, {
      hint: 'The layer is damaged or not a filesystem layer; push the image again.',
      cause: error,
    });
  }
  if (options.digest && /^sha(256|512):/.test(options.digest)) {
    const actual = `${algorithm}:${blobHash.digest('hex')}`;
    if (actual !== options.digest) {
      throw new AppError('registry-error', `${what} does not match its digest: its bytes hash to ${actual}.`, {
        hint: 'The registry or something between altered the layer. Do not use it; push the image again.',
      });
    }
  }
  const sampleKey = sampleHash.digest('hex');
  // with every file inside the sample, the sample hashed the same bytes in the same order as the full hash would
  const contentKey = fullHash ? fullHash.digest('hex') : sampledAll ? sampleKey : undefined;
  return {
    digest: options.digest ?? `sha256:${blobHash.digest('hex')}`,
    compression,
    compressedSize,
    uncompressedSize,
    entries,
    files,
    sampleKey,
    ...(contentKey !== undefined ? { contentKey } : {}),
    timesKey: timesHash.digest('hex'),
  };
}
