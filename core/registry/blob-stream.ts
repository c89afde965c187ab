/**
 * A GET whose body is consumed as a stream of Buffers through node:http(s), for layer blobs. Measured against
 * fetch's web stream on this project's machine, it spares a copy per chunk and the web-stream machinery, which is
 * most of the difference on a 100 MB layer. Redirects (registries hand blobs to object storage) are followed,
 * and the Authorization header is never sent to another origin.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

export interface StreamedResponse {
  status: number;
  headers: Headers;
  url: string;
  body: Readable;
}

const MAX_REDIRECTS = 5;

function toHeaders(raw: http.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    for (const value of Array.isArray(v) ? v : [v]) out.append(k, value);
  }
  return out;
}

function getOnce(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, { method: 'GET', headers, signal }, resolve);
    req.on('error', reject);
    req.end();
  });
}

export async function streamGet(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<StreamedResponse> {
  let current = new URL(url);
  const origin = current.origin;
  let sent = { ...headers };
  for (let hop = 0; ; hop++) {
    const res = await getOnce(current, sent, signal);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(status) && location && hop < MAX_REDIRECTS) {
      res.resume();
      current = new URL(location, current);
      if (current.origin !== origin) {
        sent = Object.fromEntries(Object.entries(sent).filter(([k]) => k.toLowerCase() !== 'authorization'));
      }
      continue;
    }
    return { status, headers: toHeaders(res.headers), url: current.toString(), body: res };
  }
}
