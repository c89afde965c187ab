import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { normalizeTarPath, parsePaxRecords, TarParser, type TarHeader } from '../../../core/verify/tar-stream.js';
import { compressionOf, SAMPLE_BYTES, scanLayer } from '../../../core/verify/layer-scan.js';
import { makeTar } from './elf-builder.js';

function readAll(tar: Buffer, chunk: number): Array<TarHeader & { data: string }> {
  const out: Array<TarHeader & { data: string }> = [];
  const parser = new TarParser((h) => {
    const record = { ...h, data: '' };
    out.push(record);
    return { data: (c) => (record.data += c.toString('latin1')), end: () => undefined };
  });
  for (let i = 0; i < tar.length; i += chunk) parser.push(tar.subarray(i, i + chunk));
  parser.end();
  return out;
}

async function* chunks(buf: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

describe('TarParser', () => {
  const longName = `usr/share/${'deep/'.repeat(30)}file.txt`;
  const tar = makeTar([
    { name: 'bin/', type: '5', mode: 0o755 },
    { name: 'bin/busybox', mode: 0o755, content: Buffer.from('x'.repeat(1300)) },
    { name: 'bin/sh', type: '2', link: 'busybox', mode: 0o777 },
    { name: 'bin/ls', type: '1', link: 'bin/busybox' },
    { name: longName, content: Buffer.from('long') },
  ]);

  it.each([1, 7, 512, 100_000])('reads every entry and its bytes whatever the chunk size (%i)', (size) => {
    const entries = readAll(tar, size);
    expect(entries.map((e) => [e.path, e.type])).toEqual([
      ['bin/', 'directory'],
      ['bin/busybox', 'file'],
      ['bin/sh', 'symlink'],
      ['bin/ls', 'hardlink'],
      [longName, 'file'],
    ]);
    expect(entries[1]!.data).toBe('x'.repeat(1300));
    expect(entries[1]!.mode).toBe(0o755);
    expect(entries[2]!.linkpath).toBe('busybox');
    expect(entries[4]!.data).toBe('long');
  });

  it('reads GNU long names (type L)', () => {
    const name = `a/${'b'.repeat(150)}`;
    const gnu = makeTar([{ name: '././@LongLink', type: 'L', content: Buffer.from(`${name}\0`) }, { name: name.slice(0, 99), content: Buffer.from('hi') }]);
    expect(readAll(gnu, 64).map((e) => e.path)).toEqual([name]);
  });

  it('refuses a damaged header and an archive cut short', () => {
    const broken = Buffer.from(tar);
    broken[512 + 10] = broken[512 + 10]! ^ 0xff; // inside the second header
    expect(() => readAll(broken, 4096)).toThrow(/checksum/);
    expect(() => readAll(tar.subarray(0, 1100), 4096)).toThrow(/ends in the middle/);
  });

  it('parses pax records and normalises paths', () => {
    expect(parsePaxRecords(Buffer.from('16 path=a/b/c/d\n12 uid=1000\n'))).toEqual({ path: 'a/b/c/d', uid: '1000' });
    expect(normalizeTarPath('./usr/bin/')).toBe('/usr/bin');
    expect(normalizeTarPath('../../etc/passwd')).toBe('/etc/passwd');
  });
});

describe('scanLayer', () => {
  const elfHead = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(200)]);
  elfHead.writeUInt16LE(62, 18);
  const tar = makeTar([
    { name: 'usr/bin/tool', mode: 0o755, content: elfHead },
    { name: 'etc/.wh.old.conf' },
    { name: 'opt/.wh..wh..opq' },
    { name: 'run.sh', mode: 0o755, content: Buffer.from('#!/bin/bash\necho\n') },
    { name: 'data.txt', mode: 0o644, content: Buffer.from('not looked at') },
  ]);

  it('reads a gzip layer as a stream, checks its digest and keeps only metadata', async () => {
    const gz = gzipSync(tar);
    const { createHash } = await import('node:crypto');
    const digest = `sha256:${createHash('sha256').update(gz).digest('hex')}`;
    const layer = await scanLayer(chunks(gz, 100), { digest });
    expect(layer.compression).toBe('gzip');
    expect(layer.compressedSize).toBe(gz.length);
    expect(layer.uncompressedSize).toBe(tar.length);
    expect(layer.entries.map((e) => [e.path, e.kind])).toEqual([
      ['/usr/bin/tool', 'file'],
      ['/etc/old.conf', 'whiteout'],
      ['/opt', 'opaque'],
      ['/run.sh', 'file'],
      ['/data.txt', 'file'],
    ]);
    expect(layer.entries[0]!.content).toMatchObject({ kind: 'elf', elf: { machine: 'x86-64' } });
    expect(layer.entries[3]!.content).toEqual({ kind: 'script', interpreter: '/bin/bash' });
    expect(layer.entries[4]!.content).toBeUndefined();
  });

  it('refuses bytes that do not match the digest', async () => {
    await expect(scanLayer(chunks(gzipSync(tar), 1000), { digest: `sha256:${'0'.repeat(64)}` })).rejects.toThrow(/does not match its digest/);
  });

  it('reads a zstd layer (fzstd) and a plain tar', async () => {
    const zstd = await import('node:child_process').then(({ execFileSync }) => {
      try {
        return execFileSync('zstd', ['-q', '-c', '-3'], { input: tar });
      } catch {
        return undefined;
      }
    });
    if (zstd) {
      const layer = await scanLayer(chunks(zstd, 333));
      expect(layer.compression).toBe('zstd');
      expect(layer.uncompressedSize).toBe(tar.length);
      expect(layer.entries).toHaveLength(5);
    } else {
      console.warn('[test] no zstd command on this machine: the zstd layer case was not run');
    }
    const plain = await scanLayer(chunks(tar, 777));
    expect(plain.compression).toBe('none');
    expect(plain.entries).toHaveLength(5);
  });

  it('gives the same content key to layers that differ only in file times', async () => {
    const a = makeTar([{ name: 'app/x', content: Buffer.from('same'), mtime: 1 }]);
    const b = makeTar([{ name: 'app/x', content: Buffer.from('same'), mtime: 2 }]);
    const c = makeTar([{ name: 'app/x', content: Buffer.from('diff'), mtime: 1 }]);
    const [la, lb, lc] = await Promise.all([a, b, c].map((t) => scanLayer(chunks(gzipSync(t), 50))));
    expect(la!.contentKey).toBe(lb!.contentKey);
    expect(la!.timesKey).not.toBe(lb!.timesKey);
    expect(lc!.contentKey).not.toBe(la!.contentKey);
    // small files fit in the sample whole: the sample is the full fingerprint
    expect(la!.sampleKey).toBe(la!.contentKey);
  });

  it('samples the start and end of large files, and hashes every byte only when asked, whatever the chunking', async () => {
    const big = randomBytes(3 * SAMPLE_BYTES + 123);
    const middle = Buffer.from(big);
    middle[SAMPLE_BYTES + 500] = middle[SAMPLE_BYTES + 500]! ^ 1; // outside the sample
    const head = Buffer.from(big);
    head[10] = head[10]! ^ 1;
    const tail = Buffer.from(big);
    tail[tail.length - 10] = tail[tail.length - 10]! ^ 1;
    const tarOf = (content: Buffer, mtime = 1) => makeTar([{ name: 'data/big.bin', content, mtime, mode: 0o755 }, { name: 'data/small', content: Buffer.from('s'), mtime }]);
    const scan = (content: Buffer, chunk: number, fullContent = false, mtime = 1) => scanLayer(chunks(gzipSync(tarOf(content, mtime)), chunk), { fullContent });
    const sampled = await scan(big, 50);
    expect(sampled.contentKey).toBeUndefined();
    expect(sampled.entries.find((e) => e.path === '/data/big.bin')!.content).toMatchObject({ kind: 'other' });
    for (const chunk of [1, 333, 4096, 100_000]) expect((await scan(big, chunk)).sampleKey).toBe(sampled.sampleKey);
    expect((await scan(middle, 777)).sampleKey).toBe(sampled.sampleKey);
    expect((await scan(head, 777)).sampleKey).not.toBe(sampled.sampleKey);
    expect((await scan(tail, 777)).sampleKey).not.toBe(sampled.sampleKey);

    const full = await scan(big, 999, true);
    expect(full.sampleKey).toBe(sampled.sampleKey);
    expect(full.contentKey).toBeDefined();
    expect((await scan(big, 64, true, 2)).contentKey).toBe(full.contentKey);
    expect((await scan(middle, 999, true)).contentKey).not.toBe(full.contentKey);
    // the second read keeps no executable's bytes
    expect(full.entries.every((e) => e.content === undefined)).toBe(true);
  });

  it('says what is wrong with a blob that is not a tar', async () => {
    await expect(scanLayer(chunks(gzipSync(Buffer.from('hello world, not a tar'.repeat(40))), 64))).rejects.toThrow(/could not be read as a gzip-compressed tar archive/);
    expect(compressionOf(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe('zstd');
  });
});
