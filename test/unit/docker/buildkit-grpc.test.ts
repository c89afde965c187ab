import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { askBuildkit, decodeInfoResponse, decodeListWorkersResponse, grpcFrame, grpcUnframe, readProtoFields } from '../../../core/docker/buildkit-grpc.js';

/** A minimal protobuf writer for the test's messages: varints, strings and nested messages. */
function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 128) {
    out.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}
const tag = (field: number, wire: number) => varint(field * 8 + wire);
const str = (field: number, s: string | Buffer) => {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return Buffer.concat([tag(field, 2), varint(b.length), b]);
};
const num = (field: number, n: number) => Buffer.concat([tag(field, 0), varint(n)]);
const msg = (...parts: Buffer[]) => Buffer.concat(parts);

const platform = (os: string, arch: string, variant?: string) => msg(str(1, arch), str(2, os), ...(variant ? [str(3, variant)] : []));

describe('protobuf reading', () => {
  test('varints of several bytes, strings, nested messages, and fixed-size fields skipped', () => {
    const buf = msg(num(1, 300), str(2, 'héllo'), Buffer.concat([tag(3, 1), Buffer.alloc(8)]), Buffer.concat([tag(4, 5), Buffer.alloc(4)]), num(5, 5_184_000_000_000_000));
    const fields = readProtoFields(buf);
    expect(fields.map((f) => [f.field, f.wire])).toEqual([
      [1, 0],
      [2, 2],
      [3, 1],
      [4, 5],
      [5, 0],
    ]);
    expect(fields[0]?.varint).toBe(300);
    expect(fields[1]?.bytes?.toString('utf8')).toBe('héllo');
    expect(fields[4]?.varint).toBe(5_184_000_000_000_000);
  });

  test('truncated or malformed input throws instead of answering', () => {
    expect(() => readProtoFields(Buffer.from([0x08]))).toThrow(/truncated varint/);
    expect(() => readProtoFields(Buffer.from([0x12, 0x05, 0x61]))).toThrow(/truncated bytes/);
    expect(() => readProtoFields(Buffer.from([0x0b]))).toThrow(/wire type 3/);
    expect(() => readProtoFields(Buffer.from([0x00, 0x00]))).toThrow(/field number 0/);
    expect(() => readProtoFields(Buffer.from([0x19, 1, 2, 3]))).toThrow(/fixed64/);
  });
});

describe('BuildKit Control messages', () => {
  test('ListWorkersResponse: IDs, labels, platforms in order, GC policies; unknown fields ignored', () => {
    const worker = msg(
      str(1, 'w1'),
      str(2, msg(str(1, 'org.mobyproject.buildkit.worker.executor'), str(2, 'oci'))),
      str(2, msg(str(1, 'org.mobyproject.buildkit.worker.network'), str(2, 'host'))),
      str(3, platform('linux', 'amd64')),
      str(3, platform('linux', 'arm', 'v7')),
      str(3, msg(str(1, 'amd64'), str(2, 'windows'), str(4, '10.0.17763'), str(5, 'win32k'))),
      str(4, msg(str(4, 'type==source.local'), num(2, 172_800_000_000_000))),
      str(4, msg(num(1, 1), num(3, 10_000_000_000))),
      str(5, msg(str(2, 'v0.13.2'))),
      num(99, 7),
    );
    const second = msg(str(1, 'w0'), str(3, platform('linux', 'riscv64')));
    const workers = decodeListWorkersResponse(msg(str(1, worker), str(1, second)));
    expect(workers).toEqual([
      {
        id: 'w1',
        labels: { 'org.mobyproject.buildkit.worker.executor': 'oci', 'org.mobyproject.buildkit.worker.network': 'host' },
        platforms: [
          { architecture: 'amd64', os: 'linux', variant: '', osVersion: '', osFeatures: [] },
          { architecture: 'arm', os: 'linux', variant: 'v7', osVersion: '', osFeatures: [] },
          { architecture: 'amd64', os: 'windows', variant: '', osVersion: '10.0.17763', osFeatures: ['win32k'] },
        ],
        gcPolicy: [
          { all: false, keepDuration: 172_800_000_000_000, keepBytes: 0, filters: ['type==source.local'] },
          { all: true, keepDuration: 0, keepBytes: 10_000_000_000, filters: [] },
        ],
      },
      { id: 'w0', labels: {}, platforms: [{ architecture: 'riscv64', os: 'linux', variant: '', osVersion: '', osFeatures: [] }], gcPolicy: [] },
    ]);
    expect(decodeListWorkersResponse(Buffer.alloc(0))).toEqual([]);
  });

  test('a GC policy number too large to hold exactly (a negative int64) throws', () => {
    const negative = Buffer.concat([tag(2, 0), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])]);
    expect(() => decodeListWorkersResponse(msg(str(1, msg(str(1, 'w'), str(4, negative)))))).toThrow(/small varint/);
  });

  test('InfoResponse: the BuildKit version, or empty as Go would leave it', () => {
    expect(decodeInfoResponse(msg(str(1, msg(str(1, 'github.com/moby/buildkit'), str(2, 'v0.0.0+unknown'), str(3, 'abc')))))).toEqual({ package: 'github.com/moby/buildkit', version: 'v0.0.0+unknown', revision: 'abc' });
    expect(decodeInfoResponse(Buffer.alloc(0)).version).toBe('');
  });

  test('a string where a message is expected throws', () => {
    expect(() => decodeListWorkersResponse(num(1, 5))).toThrow(/not a message/);
  });
});

describe('gRPC framing', () => {
  test('one uncompressed message each way', () => {
    const body = Buffer.from('abc');
    const frame = grpcFrame(body);
    expect([...frame]).toEqual([0, 0, 0, 0, 3, 0x61, 0x62, 0x63]);
    expect(grpcUnframe(frame).toString()).toBe('abc');
    expect(grpcFrame(Buffer.alloc(0))).toEqual(Buffer.from([0, 0, 0, 0, 0]));
  });

  test('compressed, short or several messages are refused', () => {
    expect(() => grpcUnframe(Buffer.from([1, 0, 0, 0, 0]))).toThrow(/compressed/);
    expect(() => grpcUnframe(Buffer.from([0, 0, 0]))).toThrow(/short/);
    expect(() => grpcUnframe(Buffer.concat([grpcFrame(Buffer.from('a')), grpcFrame(Buffer.from('b'))]))).toThrow(/not one message/);
  });
});

describe('askBuildkit cancelled right after it connected', () => {
  test('ends with a rejection, not a crash inside node:http2, when bytes were already waiting on the socket', async () => {
    // the engine's 101 answer often arrives with BuildKit's first HTTP/2 frames: the session then reads them on its
    // next tick; a session destroyed before that tick threw an uncaught TypeError (the process ended)
    const server = net.createServer((c) => c.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    socket.pause();
    await new Promise((resolve) => socket.once('readable', resolve));
    expect(socket.readableLength).toBeGreaterThan(0);
    // aborts the moment askBuildkit starts listening, i.e. in the same tick as the session was made
    const signal = {
      aborted: false,
      addEventListener: (_type: string, listener: () => void) => listener(),
      removeEventListener: () => undefined,
    } as unknown as AbortSignal;
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      await expect(askBuildkit(socket, 1000, signal)).rejects.toThrow(/cancelled/);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.removeListener('uncaughtException', onUncaught);
      server.close();
    }
    expect(uncaught).toEqual([]);
    expect(socket.destroyed).toBe(true);
  });
});
