import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamGet } from '../../../core/registry/blob-stream.js';

let storage: http.Server;
let registry: http.Server;
const seen: Array<{ server: string; auth: string | undefined }> = [];
const url = (s: http.Server, p: string) => `http://127.0.0.1:${(s.address() as AddressInfo).port}${p}`;

beforeAll(async () => {
  storage = http.createServer((req, res) => {
    seen.push({ server: 'storage', auth: req.headers.authorization });
    res.writeHead(200, { 'content-length': '11' });
    res.end('layer bytes');
  });
  registry = http.createServer((req, res) => {
    seen.push({ server: 'registry', auth: req.headers.authorization });
    if (req.url === '/same') {
      res.writeHead(307, { location: '/final' });
      return res.end();
    }
    if (req.url === '/final') return res.end('same origin');
    res.writeHead(307, { location: url(storage, '/blob') });
    res.end();
  });
  await Promise.all([storage, registry].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
});

afterAll(async () => {
  await Promise.all([storage, registry].map((s) => new Promise((r) => s.close(r))));
});

async function text(body: AsyncIterable<Buffer | Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString();
}

describe('streamGet', () => {
  it('follows a redirect to object storage without sending the registry token there', async () => {
    seen.length = 0;
    const res = await streamGet(url(registry, '/v2/a/blobs/x'), { Authorization: 'Bearer secret' }, new AbortController().signal);
    expect(res.status).toBe(200);
    expect(await text(res.body)).toBe('layer bytes');
    expect(seen).toEqual([
      { server: 'registry', auth: 'Bearer secret' },
      { server: 'storage', auth: undefined },
    ]);
  });

  it('keeps the token on a redirect within the registry', async () => {
    seen.length = 0;
    const res = await streamGet(url(registry, '/same'), { Authorization: 'Bearer secret' }, new AbortController().signal);
    expect(await text(res.body)).toBe('same origin');
    expect(seen.map((s) => s.auth)).toEqual(['Bearer secret', 'Bearer secret']);
  });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(streamGet(url(registry, '/same'), {}, controller.signal)).rejects.toThrow(/abort/i);
  });
});
