/**
 * BuildKit's two read-only questions `docker buildx ls` asks every running node — which workers (platforms, labels)
 * and which version — answered without starting a process (issue 15). The way buildx itself connects:
 * - the docker driver: the engine's own BuildKit, `POST /grpc` upgraded to h2c, then HTTP/2 on that socket;
 * - the docker-container driver: `buildctl dial-stdio` exec'd in the node's container, its stdin/stdout (the engine
 *   multiplexes stdout and stderr with 8-byte headers when there is no TTY) carrying HTTP/2.
 * Then gRPC unary calls of moby.buildkit.v1.Control (ListWorkers, Info), decoded by hand: a handful of fields of
 * three messages does not justify loading a protobuf or gRPC library at CLI start.
 *
 * Field numbers (moby/buildkit api/services/control/control.proto, api/types/worker.proto, solver/pb/ops.proto):
 * ListWorkersResponse.record = 1 (WorkerRecord); WorkerRecord: ID = 1, Labels = 2 (map entries key = 1, value = 2),
 * platforms = 3 (pb.Platform: Architecture = 1, OS = 2, Variant = 3, OSVersion = 4, OSFeatures = 5), GCPolicy = 4,
 * BuildkitVersion = 5; InfoResponse.buildkitVersion = 1 (BuildkitVersion: package = 1, version = 2, revision = 3).
 *
 * Every failure throws; callers fall back to asking buildx, whose own messages are the ones a user sees.
 */
import http from 'node:http';
import type { ClientHttp2Session } from 'node:http2';
import net from 'node:net';
import { Duplex } from 'node:stream';

// ---------------------------------------------------------------- protobuf (the wire format, read only)

export interface ProtoField {
  field: number;
  wire: number;
  /** Wire type 0: the varint (as a number; exact below 2^53). */
  varint?: number;
  /** Wire type 2: the bytes. */
  bytes?: Buffer;
}

/** Every field of one message, in order. Throws on a truncated or malformed message. */
export function readProtoFields(buf: Buffer): ProtoField[] {
  const out: ProtoField[] = [];
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let factor = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw new Error('protobuf: truncated varint');
      const b = buf[pos++] as number;
      result += (b & 0x7f) * factor;
      if ((b & 0x80) === 0) return result;
      factor *= 128;
    }
    throw new Error('protobuf: varint too long');
  };
  while (pos < buf.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw new Error('protobuf: field number 0');
    if (wire === 0) {
      out.push({ field, wire, varint: varint() });
    } else if (wire === 2) {
      const len = varint();
      if (pos + len > buf.length) throw new Error('protobuf: truncated bytes');
      out.push({ field, wire, bytes: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 1) {
      if (pos + 8 > buf.length) throw new Error('protobuf: truncated fixed64');
      pos += 8;
      out.push({ field, wire });
    } else if (wire === 5) {
      if (pos + 4 > buf.length) throw new Error('protobuf: truncated fixed32');
      pos += 4;
      out.push({ field, wire });
    } else {
      throw new Error(`protobuf: unsupported wire type ${wire}`);
    }
  }
  return out;
}

function text(f: ProtoField): string {
  if (f.wire !== 2 || !f.bytes) throw new Error(`protobuf: field ${f.field} is not length-delimited`);
  return f.bytes.toString('utf8');
}

function message(f: ProtoField): Buffer {
  if (f.wire !== 2 || !f.bytes) throw new Error(`protobuf: field ${f.field} is not a message`);
  return f.bytes;
}

export interface WorkerPlatform {
  architecture: string;
  os: string;
  variant: string;
  osVersion: string;
  osFeatures: string[];
}

/** GCPolicy as buildx 0.13.1's BuildKit client reads it (all = 1, keepDuration = 2 in ns, keepBytes = 3, filters = 4). */
export interface WorkerGcPolicy {
  all: boolean;
  keepDuration: number;
  keepBytes: number;
  filters: string[];
}

export interface WorkerRecord {
  id: string;
  labels: Record<string, string>;
  platforms: WorkerPlatform[];
  gcPolicy: WorkerGcPolicy[];
}

function decodePlatform(buf: Buffer): WorkerPlatform {
  const p: WorkerPlatform = { architecture: '', os: '', variant: '', osVersion: '', osFeatures: [] };
  for (const f of readProtoFields(buf)) {
    if (f.field === 1) p.architecture = text(f);
    else if (f.field === 2) p.os = text(f);
    else if (f.field === 3) p.variant = text(f);
    else if (f.field === 4) p.osVersion = text(f);
    else if (f.field === 5) p.osFeatures.push(text(f));
  }
  return p;
}

function int64(f: ProtoField): number {
  if (f.wire !== 0 || f.varint === undefined || !Number.isSafeInteger(f.varint)) throw new Error(`protobuf: field ${f.field} is not a small varint`);
  return f.varint;
}

function decodeGcPolicy(buf: Buffer): WorkerGcPolicy {
  const p: WorkerGcPolicy = { all: false, keepDuration: 0, keepBytes: 0, filters: [] };
  for (const f of readProtoFields(buf)) {
    if (f.field === 1) p.all = int64(f) !== 0;
    else if (f.field === 2) p.keepDuration = int64(f);
    else if (f.field === 3) p.keepBytes = int64(f);
    else if (f.field === 4) p.filters.push(text(f));
  }
  return p;
}

function decodeWorker(buf: Buffer): WorkerRecord {
  const w: WorkerRecord = { id: '', labels: {}, platforms: [], gcPolicy: [] };
  for (const f of readProtoFields(buf)) {
    if (f.field === 1) w.id = text(f);
    else if (f.field === 2) {
      let key = '';
      let value = '';
      for (const e of readProtoFields(message(f))) {
        if (e.field === 1) key = text(e);
        else if (e.field === 2) value = text(e);
      }
      w.labels[key] = value;
    } else if (f.field === 3) w.platforms.push(decodePlatform(message(f)));
    else if (f.field === 4) w.gcPolicy.push(decodeGcPolicy(message(f)));
    // 5 BuildkitVersion: not read (buildx 0.13.1 does not)
  }
  return w;
}

/** ListWorkersResponse → its worker records, in order. */
export function decodeListWorkersResponse(buf: Buffer): WorkerRecord[] {
  return readProtoFields(buf)
    .filter((f) => f.field === 1)
    .map((f) => decodeWorker(message(f)));
}

/** InfoResponse → buildkitVersion.version ("" when absent, as Go's zero value). */
export function decodeInfoResponse(buf: Buffer): { version: string; package: string; revision: string } {
  const out = { version: '', package: '', revision: '' };
  for (const f of readProtoFields(buf)) {
    if (f.field !== 1) continue;
    for (const v of readProtoFields(message(f))) {
      if (v.field === 1) out.package = text(v);
      else if (v.field === 2) out.version = text(v);
      else if (v.field === 3) out.revision = text(v);
    }
  }
  return out;
}

// ---------------------------------------------------------------- gRPC framing

/** One gRPC message frame: uncompressed flag, 4-byte big-endian length, the message. */
export function grpcFrame(body: Buffer): Buffer {
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, 5);
  return frame;
}

/** The single message of a unary response's body. Throws on compression, several messages or a short body. */
export function grpcUnframe(data: Buffer): Buffer {
  if (data.length < 5) throw new Error('gRPC: short response');
  if (data[0] !== 0) throw new Error('gRPC: compressed response');
  const len = data.readUInt32BE(1);
  if (data.length !== 5 + len) throw new Error('gRPC: not one message');
  return data.subarray(5);
}

// ---------------------------------------------------------------- the Engine API, on its unix socket

/** A JSON request to the engine on its unix socket: status and parsed body (undefined when empty). */
export function engineJson(socketPath: string, method: 'GET' | 'POST', apiPath: string, body?: unknown, signal?: AbortSignal): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        socketPath,
        method,
        path: apiPath,
        headers: { Host: 'docker', ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {}) },
        ...(signal ? { signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const textBody = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: textBody.trim() ? (JSON.parse(textBody) as unknown) : undefined });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * `POST apiPath` with `Upgrade: PROTOCOL` on the engine's socket, as the docker client's DialHijack does: the socket
 * after the engine's 101, with whatever it sent past its headers put back. Throws on any other answer.
 */
export function engineHijack(socketPath: string, apiPath: string, protocol: string, body?: unknown, signal?: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
    const socket = net.connect(socketPath);
    let head: Buffer = Buffer.alloc(0);
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    const onAbort = () => fail(new Error('cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', fail);
    socket.on('connect', () => {
      const headers = [
        `POST ${apiPath} HTTP/1.1`,
        'Host: docker',
        'Connection: Upgrade',
        `Upgrade: ${protocol}`,
        ...(body === undefined ? [] : ['Content-Type: application/json']),
        `Content-Length: ${payload.length}`,
      ];
      socket.write(`${headers.join('\r\n')}\r\n\r\n`);
      if (payload.length) socket.write(payload);
    });
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 64 * 1024) fail(new Error('engine: headers too long'));
        return;
      }
      socket.removeListener('data', onData);
      socket.removeListener('error', fail);
      signal?.removeEventListener('abort', onAbort);
      socket.pause();
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString('latin1'));
      if (status?.[1] !== '101') {
        fail(new Error(`engine: ${apiPath} answered ${head.subarray(0, Math.min(end, 200)).toString('latin1')}`));
        return;
      }
      const rest = head.subarray(end + 4);
      if (rest.length) socket.unshift(rest);
      resolve(socket);
    };
    socket.on('data', onData);
  });
}

/**
 * The stdout of an exec attached without a TTY, out of the engine's multiplexed stream (8-byte headers: stream,
 * 0, 0, 0, big-endian length); writes go to its stdin. What the process prints on stderr is kept for errors.
 */
export class ExecStdio extends Duplex {
  stderr = '';
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly socket: net.Socket) {
    super();
    socket.on('data', (chunk: Buffer) => this.demux(chunk));
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => {
      if (!this.destroyed) this.destroy();
    });
  }

  private demux(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const len = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + len) break;
      const stream = this.pending[0];
      const payload = this.pending.subarray(8, 8 + len);
      this.pending = this.pending.subarray(8 + len);
      if (stream === 1) {
        if (!this.push(payload)) this.socket.pause();
      } else if (stream === 2 && this.stderr.length < 4096) {
        this.stderr += payload.toString('utf8');
      }
    }
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.socket.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}

// ---------------------------------------------------------------- BuildKit's Control service

export interface BuildkitAnswers {
  workers: WorkerRecord[];
  version: string;
}

function unary(session: ClientHttp2Session, method: string, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': `/moby.buildkit.v1.Control/${method}`, 'content-type': 'application/grpc', te: 'trailers' });
    const chunks: Buffer[] = [];
    let status: string | undefined;
    let grpcMessage = '';
    const note = (h: Record<string, unknown>) => {
      if (typeof h['grpc-status'] === 'string') status = h['grpc-status'];
      if (typeof h['grpc-message'] === 'string') grpcMessage = h['grpc-message'];
    };
    const timer = setTimeout(() => req.close(), timeoutMs);
    req.on('response', (h) => {
      if (h[':status'] !== 200) {
        clearTimeout(timer);
        reject(new Error(`gRPC ${method}: HTTP ${String(h[':status'])}`));
        req.close();
        return;
      }
      note(h as Record<string, unknown>);
    });
    req.on('trailers', (t) => note(t as Record<string, unknown>));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.on('close', () => {
      clearTimeout(timer);
      if (status !== '0') {
        reject(new Error(`gRPC ${method}: status ${status ?? 'none'} ${grpcMessage}`.trim()));
        return;
      }
      try {
        resolve(grpcUnframe(Buffer.concat(chunks)));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    req.end(grpcFrame(Buffer.alloc(0)));
  });
}

/** ListWorkers, then Info (as buildx asks them), on an HTTP/2 connection over `stream`; the stream is closed after. */
export async function askBuildkit(stream: Duplex, timeoutMs: number, signal?: AbortSignal): Promise<BuildkitAnswers> {
  const http2 = await import('node:http2');
  if (signal?.aborted) {
    stream.destroy();
    throw new Error('cancelled');
  }
  const session = http2.connect('http://buildkit', { createConnection: () => stream });
  let onAbort: (() => void) | undefined;
  const failed = new Promise<never>((_, reject) => {
    session.on('error', reject);
    onAbort = () => reject(new Error('cancelled'));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  failed.catch(() => undefined);
  try {
    // both on the one connection at once (buildx asks one after the other; the answers are the same, and any failure
    // means buildx is run instead): Info then costs no round trip of its own after ListWorkers' ~50 ms, most of it
    // BuildKit checking which emulators run
    const [listed, answered] = await Promise.race([Promise.all([unary(session, 'ListWorkers', timeoutMs), unary(session, 'Info', timeoutMs)]), failed]);
    const workers = decodeListWorkersResponse(listed);
    const info = decodeInfoResponse(answered);
    return { workers, version: info.version };
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    // not in the tick the session was made: on its next tick it feeds itself the bytes already read from the
    // stream, and a session destroyed before that throws inside node:http2 (an uncaught TypeError: a cancel
    // right after connecting ended the whole process)
    setImmediate(() => {
      session.destroy();
      stream.destroy();
    });
  }
}

/** The engine's own BuildKit (the docker driver): `POST /grpc` upgraded to h2c. */
export async function askEngineBuildkit(socketPath: string, timeoutMs: number, signal?: AbortSignal): Promise<BuildkitAnswers> {
  return askBuildkit(await engineHijack(socketPath, '/grpc', 'h2c', undefined, signal), timeoutMs, signal);
}

/** The BuildKit in CONTAINER (the docker-container driver): `buildctl dial-stdio` exec'd there, as buildx does. */
export async function askContainerBuildkit(socketPath: string, container: string, timeoutMs: number, signal?: AbortSignal): Promise<BuildkitAnswers> {
  const created = await engineJson(
    socketPath,
    'POST',
    `/containers/${encodeURIComponent(container)}/exec`,
    { AttachStdin: true, AttachStdout: true, AttachStderr: true, Cmd: ['buildctl', 'dial-stdio'] },
    signal,
  );
  const id = (created.body as { Id?: unknown } | undefined)?.Id;
  if (created.status !== 201 || typeof id !== 'string' || !id) throw new Error(`engine: exec create answered ${created.status}`);
  const socket = await engineHijack(socketPath, `/exec/${encodeURIComponent(id)}/start`, 'tcp', { Detach: false, Tty: false }, signal);
  const stdio = new ExecStdio(socket);
  try {
    return await askBuildkit(stdio, timeoutMs, signal);
  } catch (error) {
    const reason = stdio.stderr.trim();
    throw reason ? new Error(`${error instanceof Error ? error.message : String(error)}: ${reason}`) : error;
  }
}
