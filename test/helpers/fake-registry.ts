/**
 * A small HTTP server that misbehaves the ways real registries and proxies do: 500s, bad JSON,
 * a digest that does not match, a Bearer token challenge, Basic auth, pagination links, a hang.
 * The real registry covers the happy paths; this covers what it will not do on demand.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_USER = 'lab-user';
export const FAKE_PASSWORD = 'lab-password';
export const CATALOG = ['alpha', 'beta', 'delta', 'epsilon', 'gamma'];
export const PAGED_TAGS = ['t01', 't02', 't03', 't04', 't05', 't06', 't07'];

/** A valid OCI image manifest the fake serves where it behaves. */
export const GOOD_MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 2 },
  layers: [],
});
export const GOOD_MANIFEST_DIGEST = `sha256:${createHash('sha256').update(GOOD_MANIFEST).digest('hex')}`;

export interface RecordedRequest {
  method: string;
  url: string;
  authorization?: string;
}

export interface FakeRegistry {
  /** `127.0.0.1:PORT` */
  address: string;
  url: string;
  requests: RecordedRequest[];
  tokensIssued: number;
  close(): Promise<void>;
}

function page(all: string[], url: URL, basePath: string): { items: string[]; link?: string } {
  const n = Math.max(1, Number(url.searchParams.get('n') ?? 100));
  const last = url.searchParams.get('last');
  const start = last ? all.indexOf(last) + 1 : 0;
  const items = all.slice(start, start + n);
  const more = start + n < all.length;
  return more ? { items, link: `<${basePath}?last=${encodeURIComponent(items[items.length - 1]!)}&n=${n}>; rel="next"` } : { items };
}

export async function startFakeRegistry(): Promise<FakeRegistry> {
  const requests: RecordedRequest[] = [];
  const state = { tokensIssued: 0 };
  const validTokens = new Set<string>();
  let origin = '';

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const rec: RecordedRequest = { method: req.method ?? 'GET', url: url.pathname + url.search };
    if (req.headers.authorization) rec.authorization = req.headers.authorization;
    requests.push(rec);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Docker-Distribution-Api-Version': 'registry/2.0', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const p = url.pathname;

    if (p === '/v2/') return json(200, {});
    if (p === '/token') {
      const scope = url.searchParams.get('scope') ?? '';
      if (scope.startsWith('repository:secret/')) {
        const expected = `Basic ${Buffer.from(`${FAKE_USER}:${FAKE_PASSWORD}`).toString('base64')}`;
        if (req.headers.authorization !== expected) return json(401, { details: 'bad credentials' });
      }
      state.tokensIssued++;
      const token = `tok-${state.tokensIssued}-${scope.replace(/[^a-z]/g, '')}`;
      validTokens.add(token);
      return json(200, { token, expires_in: 300 });
    }
    if (p === '/v2/_catalog') {
      const { items, link } = page(CATALOG, url, '/v2/_catalog');
      return json(200, { repositories: items }, link ? { Link: link } : {});
    }
    if (p === '/v2/paged/tags/list') {
      const { items, link } = page(PAGED_TAGS, url, '/v2/paged/tags/list');
      return json(200, { name: 'paged', tags: items }, link ? { Link: link } : {});
    }
    if (p === '/v2/loop/tags/list') return json(200, { name: 'loop', tags: ['x'] }, { Link: '</v2/loop/tags/list?n=100&last=x>; rel="next"' });
    if (p === '/v2/foreign-link/tags/list') return json(200, { name: 'foreign-link', tags: ['x'] }, { Link: '<http://elsewhere.invalid/v2/x/tags/list?last=x>; rel="next"' });
    if (p.startsWith('/v2/broken/')) {
      return json(500, { errors: [{ code: 'UNKNOWN', message: 'filesystem: disk quota exceeded' }] });
    }
    if (p.startsWith('/v2/badjson/')) {
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
      return res.end('{"schemaVersion": 2, "config": {"digest": ');
    }
    if (p.startsWith('/v2/notjson-catalog/')) {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return res.end('<html><body>Welcome to nginx!</body></html>');
    }
    if (p.startsWith('/v2/wrongdigest/')) {
      return json(200, GOOD_MANIFEST, {
        'Content-Type': 'application/vnd.oci.image.manifest.v1+json',
        'Docker-Content-Digest': `sha256:${'0'.repeat(64)}`,
      });
    }
    if (p.startsWith('/v2/slow/')) return; // never answers: the client's timeout must fire
    if (p.startsWith('/v2/nochallenge/')) return json(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
    if (p.startsWith('/v2/private/') || p.startsWith('/v2/secret/')) {
      const repo = p.split('/').slice(2, 4).join('/');
      const auth = req.headers.authorization ?? '';
      if (!auth.startsWith('Bearer ') || !validTokens.has(auth.slice(7))) {
        return json(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, {
          'WWW-Authenticate': `Bearer realm="${origin}/token",service="fake-registry",scope="repository:${repo}:pull"`,
        });
      }
      return json(200, GOOD_MANIFEST, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Docker-Content-Digest': GOOD_MANIFEST_DIGEST });
    }
    if (p.startsWith('/v2/basic/')) {
      const expected = `Basic ${Buffer.from(`${FAKE_USER}:${FAKE_PASSWORD}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        return json(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'WWW-Authenticate': 'Basic realm="fake-registry"' });
      }
      return json(200, GOOD_MANIFEST, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Docker-Content-Digest': GOOD_MANIFEST_DIGEST });
    }
    return json(404, { errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  return {
    address: `127.0.0.1:${port}`,
    url: origin,
    requests,
    get tokensIssued() {
      return state.tokensIssued;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
