/**
 * Container logs without a TTY come multiplexed: frames of an 8-byte header (stream 1 = stdout, 2 = stderr,
 * three zero bytes, a big-endian uint32 length) then the payload. Pure function.
 */

export interface DemuxedOutput {
  stdout: string;
  stderr: string;
  /** More than `maxBytes` came on a stream; the start was kept. */
  truncated: boolean;
}

export function demuxDockerStream(data: Buffer, maxBytes = 64 * 1024): DemuxedOutput {
  const out = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  const size = { stdout: 0, stderr: 0 };
  let truncated = false;
  const keep = (stream: 'stdout' | 'stderr', chunk: Buffer) => {
    const room = maxBytes - size[stream];
    if (chunk.length > room) truncated = true;
    const kept = chunk.subarray(0, Math.max(0, room));
    if (kept.length) {
      out[stream].push(kept);
      size[stream] += kept.length;
    }
  };

  if (!looksMultiplexed(data)) {
    keep('stdout', data);
  } else {
    let offset = 0;
    while (offset + 8 <= data.length) {
      const type = data[offset]!;
      const length = data.readUInt32BE(offset + 4);
      const payload = data.subarray(offset + 8, Math.min(data.length, offset + 8 + length));
      keep(type === 2 ? 'stderr' : 'stdout', payload);
      offset += 8 + length;
    }
  }
  return { stdout: Buffer.concat(out.stdout).toString('utf8'), stderr: Buffer.concat(out.stderr).toString('utf8'), truncated };
}

/** A TTY container's logs are raw text; a multiplexed stream starts with a header whose bytes 1–3 are zero. */
function looksMultiplexed(data: Buffer): boolean {
  if (data.length === 0) return true;
  if (data.length < 8) return false;
  const type = data[0]!;
  return type <= 2 && data[1] === 0 && data[2] === 0 && data[3] === 0;
}
