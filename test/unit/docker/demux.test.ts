import { describe, expect, it } from 'vitest';
import { demuxDockerStream } from '../../../core/docker/demux.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('demuxDockerStream', () => {
  it('splits stdout and stderr frames in order', () => {
    const data = Buffer.concat([frame(1, 'x86_'), frame(2, 'warning\n'), frame(1, '64\n')]);
    expect(demuxDockerStream(data)).toEqual({ stdout: 'x86_64\n', stderr: 'warning\n', truncated: false });
  });

  it('an empty log is empty output', () => {
    expect(demuxDockerStream(Buffer.alloc(0))).toEqual({ stdout: '', stderr: '', truncated: false });
  });

  it('keeps the start of a stream longer than the limit and says so', () => {
    const out = demuxDockerStream(Buffer.concat([frame(1, 'a'.repeat(10)), frame(1, 'b'.repeat(10)), frame(2, 'e')]), 15);
    expect(out).toEqual({ stdout: `${'a'.repeat(10)}${'b'.repeat(5)}`, stderr: 'e', truncated: true });
  });

  it('tolerates a frame cut short', () => {
    const whole = frame(1, 'aarch64\n');
    expect(demuxDockerStream(whole.subarray(0, whole.length - 3)).stdout).toBe('aarch');
  });

  it('treats output without frame headers (a TTY container) as stdout', () => {
    expect(demuxDockerStream(Buffer.from('armv7l\r\n'))).toEqual({ stdout: 'armv7l\r\n', stderr: '', truncated: false });
  });

  it('keeps multi-byte characters split across frames', () => {
    const bytes = Buffer.from('→', 'utf8');
    const a = Buffer.alloc(8);
    a[0] = 1;
    a.writeUInt32BE(1, 4);
    const b = Buffer.alloc(8);
    b[0] = 1;
    b.writeUInt32BE(2, 4);
    expect(demuxDockerStream(Buffer.concat([a, bytes.subarray(0, 1), b, bytes.subarray(1)])).stdout).toBe('→');
  });

  it('splits a multiplexed stream into stdout and stderr, and passes a TTY stream through', () => {
    const frame = (kind: number, text: string) => {
      const body = Buffer.from(text);
      const head = Buffer.alloc(8);
      head[0] = kind;
      head.writeUInt32BE(body.length, 4);
      return Buffer.concat([head, body]);
    };
    expect(demuxDockerStream(Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err\n'), frame(1, 'out 2\n')]))).toEqual({ stdout: 'out 1\nout 2\n', stderr: 'err\n', truncated: false });
    expect(demuxDockerStream(Buffer.from('plain text from a tty\n'))).toEqual({ stdout: 'plain text from a tty\n', stderr: '', truncated: false });
  });

});
