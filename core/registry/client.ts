/**
 * A small client for the Distribution / OCI registry HTTP API: ping, catalog, tags, manifests,
 * config blobs, delete and put. Every answer is checked (digests, JSON, status) and every failure
 * becomes an AppError that says what happened and what to do next.
 */
import { createHash } from 'node:crypto';
import { AppError, type ErrorCode } from '../contract/errors.js';
import type { RegistryCatalog, RegistryDeleteResult, RegistryPing, RegistryTags } from '../contract/registry.js';
import { basicAuthorization, fetchBearerToken, parseAuthChallenges, TokenCache, type RegistryCredentials } from './auth.js';
import { readDockerLogin } from './docker-credentials.js';
import { streamGet } from './blob-stream.js';
import { MANIFEST_ACCEPT, mediaTypeOfManifest, isKnownManifestMediaType } from './media-types.js';
import { plainHttpNotListedError } from './plain-http.js';
import { checkRegistryAddress, isDigest, isLoopbackRegistry, normalizeRegistry, parseImageReference, registryEndpoint } from './reference.js';

export interface RegistryClientOptions {
  /** host[:port] as people write it: `localhost:5000`, `registry.example.com`, `docker.io`. */
  registry: string;
  /** Use plain HTTP for a registry that is not on loopback (loopback always uses HTTP). */
  insecure?: boolean;
  /** Why this registry is plain HTTP (plain-http.ts), carried into what the app tells the user. */
  plainHttpReason?: string;
  credentials?: RegistryCredentials;
  /**
   * When the registry asks for a login and no credentials were given, use the one `docker login` stored
   * (DOCKER_CONFIG in this environment). Default true: one login serves docker, buildx and the app.
   */
  dockerLogin?: boolean;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** Cancels every request of this client. */
  signal?: AbortSignal;
  /** Per request, including reading the body. Default 30 s. */
  timeoutMs?: number;
  /** Largest manifest or config blob we accept, in bytes. Default 4 MiB (as containerd). */
  maxDocumentBytes?: number;
}

export interface FetchedManifest {
  repository: string;
  /** The tag or digest that was asked for. */
  reference: string;
  digest: string;
  mediaType: string;
  size: number;
  /** The exact bytes the registry served, as text. */
  text: string;
  json: unknown;
}

export interface ManifestHead {
  digest: string | null;
  mediaType: string | null;
  size: number | null;
}

export interface ListOptions {
  /** Page size sent as `n`. Default 100. */
  pageSize?: number;
  /** Stop after this many entries. */
  limit?: number;
}

export interface ListResult<T> {
  items: T[];
  truncated: boolean;
}

interface RawResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  url: string;
}

interface RequestSpec {
  method: 'GET' | 'HEAD' | 'PUT' | 'DELETE';
  /** Path and query under the registry origin, or an absolute URL on the same origin (pagination links). */
  path: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** The token scope this request needs, e.g. `repository:team/app:pull`. */
  scope: string;
  /** What the request is about, for error messages: "the tags of team/app". */
  what: string;
  /** Statuses returned to the caller instead of turned into errors. */
  accept?: number[];
  maxBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_DOCUMENT = 4 * 1024 * 1024;
const MAX_PAGES = 10_000;

/** Digest of bytes with the algorithm the expected digest names (sha256 unless told). */
export function digestOf(bytes: Uint8Array, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

function algorithmOf(digest: string): 'sha256' | 'sha512' {
  return digest.startsWith('sha512:') ? 'sha512' : 'sha256';
}

/**
 * The `next` target of an RFC 8288 Link header (`<url>; rel="next"`), or undefined.
 * Tolerates several links, unquoted rel values and extra parameters.
 */
export function parseLinkNext(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const linkPattern = /<([^>]*)>\s*((?:;\s*(?:[^;,"]|"[^"]*")+)*)/g;
  for (const match of header.matchAll(linkPattern)) {
    const params = match[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]+))/i.exec(params);
    const value = rel?.[1] ?? rel?.[2];
    if (value && value.split(/\s+/).some((r) => r.toLowerCase() === 'next')) return match[1];
  }
  return undefined;
}

/** One line out of a registry's `{"errors":[{code,message,detail}]}` body, or the start of the text. */
export function summarizeErrorBody(body: Buffer | string): string {
  const text = (typeof body === 'string' ? body : body.toString('utf8')).trim();
  if (!text) return '';
  try {
    const parsed = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    if (Array.isArray(parsed.errors) && parsed.errors.length > 0) {
      return parsed.errors
        .map((e) => [typeof e.code === 'string' ? e.code : '', typeof e.message === 'string' ? e.message : ''].filter(Boolean).join(': '))
        .filter(Boolean)
        .join('; ')
        .slice(0, 300);
    }
  } catch {
    // not JSON: fall back to the raw text
  }
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}

function errorCodesOf(body: Buffer): string[] {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: unknown }> };
    return Array.isArray(parsed.errors) ? parsed.errors.map((e) => String(e.code ?? '')) : [];
  } catch {
    return [];
  }
}

function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown) => {
    if (!e || typeof e !== 'object' || seen.has(e)) return;
    seen.add(e);
    const rec = e as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof rec.code === 'string') codes.push(rec.code);
    visit(rec.cause);
    if (Array.isArray(rec.errors)) rec.errors.forEach(visit);
  };
  visit(error);
  return codes;
}

export class RegistryClient {
  /** The registry as people name it (docker.io for Hub). */
  readonly registry: string;
  readonly baseUrl: string;
  readonly plainHttp: boolean;
  /** Set when plain HTTP was chosen for a reason other than loopback: the note shown with results. */
  readonly plainHttpReason: string | undefined;
  private readonly insecure: boolean;
  private credentials: RegistryCredentials | undefined;
  /** Where the credentials came from when `docker login` stored them; undefined when the caller gave them. */
  private loginSource: string | undefined;
  /** The stored-login lookup: started by the first 401, awaited by every request that meets one. */
  private loginLookup: Promise<void> | 'pending' | 'off';
  private readonly env: NodeJS.ProcessEnv;
  private readonly fetchImpl: typeof fetch;
  private readonly signal: AbortSignal | undefined;
  private readonly timeoutMs: number;
  private readonly maxDocumentBytes: number;
  private readonly tokens = new TokenCache();
  /** Set once the registry asked for Basic: later requests send credentials up front. */
  private useBasic = false;

  constructor(options: RegistryClientOptions) {
    this.registry = normalizeRegistry(checkRegistryAddress(options.registry));
    const endpoint = registryEndpoint(this.registry);
    this.insecure = options.insecure ?? false;
    this.plainHttp = this.insecure || isLoopbackRegistry(endpoint);
    this.baseUrl = `${this.plainHttp ? 'http' : 'https'}://${endpoint}`;
    this.plainHttpReason = this.plainHttp && !isLoopbackRegistry(endpoint) ? options.plainHttpReason : undefined;
    this.credentials = options.credentials;
    this.loginLookup = options.credentials || options.dockerLogin === false ? 'off' : 'pending';
    this.env = options.env ?? process.env;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.signal = options.signal;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxDocumentBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT;
  }

  /** GET /v2/: is there a registry, and does it speak the v2 API? Throws only when nothing answers. */
  async ping(): Promise<RegistryPing> {
    let res: RawResponse;
    try {
      res = await this.request({ method: 'GET', path: '/v2/', scope: '', what: 'the API root', accept: [401, 403, 404] });
    } catch (error) {
      // a registry that wants a login still answered: report it rather than fail
      if (error instanceof AppError && error.code === 'unauthorized') {
        return { ok: false, status: 401, apiVersionHeader: null, authRequired: true };
      }
      throw error;
    }
    return {
      ok: res.status === 200,
      status: res.status,
      apiVersionHeader: res.headers.get('docker-distribution-api-version'),
      authRequired: res.status === 401 || res.status === 403,
    };
  }

  /** Every repository, following the registry's pagination links. */
  async catalog(options: ListOptions = {}): Promise<ListResult<string>> {
    return this.list('/v2/_catalog', 'registry:catalog:*', 'the repository list', 'repositories', options);
  }

  async tags(repository: string, options: ListOptions = {}): Promise<ListResult<string>> {
    return this.list(`/v2/${repository}/tags/list`, `repository:${repository}:pull`, `the tags of ${repository}`, 'tags', options);
  }

  /** Fetches a manifest of any of the four media types and checks its digest. */
  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const res = await this.request({
      method: 'GET',
      path: `/v2/${repository}/manifests/${reference}`,
      headers: { Accept: MANIFEST_ACCEPT },
      scope: `repository:${repository}:pull`,
      what: `${repository}:${reference}`,
      maxBytes: this.maxDocumentBytes,
    });
    const where = `${this.registry}/${repository}${isDigest(reference) ? '@' : ':'}${reference}`;
    const digest = this.verifyDigest(res, reference, where, 'manifest');
    const text = res.body.toString('utf8');
    const json = this.parseJson(text, where, 'manifest');
    const mediaType = mediaTypeOfManifest(res.headers.get('content-type'), json);
    if (!isKnownManifestMediaType(mediaType)) {
      throw new AppError('unsupported', `${where} is a manifest of type ${mediaType || '(none given)'}, which Multiarch Lab does not read.`, {
        hint: 'Only Docker v2 manifests and manifest lists, and OCI manifests and indexes, are supported. Re-push the image with a current docker or buildx.',
      });
    }
    return { repository, reference, digest, mediaType, size: res.body.length, text, json };
  }

  /** HEAD a manifest: its digest, media type and size without the body. */
  async headManifest(repository: string, reference: string): Promise<ManifestHead> {
    const res = await this.request({
      method: 'HEAD',
      path: `/v2/${repository}/manifests/${reference}`,
      headers: { Accept: MANIFEST_ACCEPT },
      scope: `repository:${repository}:pull`,
      what: `${repository}:${reference}`,
    });
    const length = res.headers.get('content-length');
    return {
      digest: res.headers.get('docker-content-digest') ?? (isDigest(reference) ? reference : null),
      mediaType: res.headers.get('content-type')?.split(';')[0]?.trim() ?? null,
      size: length !== null && /^\d+$/.test(length) ? Number(length) : null,
    };
  }

  /** A small JSON blob (an image config), checked against its digest. */
  async getBlobJson(repository: string, digest: string): Promise<{ digest: string; size: number; text: string; json: unknown }> {
    if (!isDigest(digest)) throw new AppError('invalid-input', `"${digest}" is not a digest.`, { hint: 'A digest looks like sha256:<64 hex digits>.' });
    const res = await this.request({
      method: 'GET',
      path: `/v2/${repository}/blobs/${digest}`,
      scope: `repository:${repository}:pull`,
      what: `blob ${digest} of ${repository}`,
      maxBytes: this.maxDocumentBytes,
    });
    const where = `${this.registry}/${repository}@${digest}`;
    this.verifyDigest(res, digest, where, 'blob');
    const text = res.body.toString('utf8');
    return { digest, size: res.body.length, text, json: this.parseJson(text, where, 'blob') };
  }

  /** HEAD a blob: is it there, and how big does the registry say it is? A 404 is an answer, not an error. */
  async headBlob(repository: string, digest: string): Promise<{ exists: boolean; size: number | null; status: number }> {
    const res = await this.request({ method: 'HEAD', path: `/v2/${repository}/blobs/${digest}`, scope: `repository:${repository}:pull`, what: `blob ${digest} of ${repository}`, accept: [404] });
    const length = res.headers.get('content-length');
    return { exists: res.status === 200, size: length !== null && /^\d+$/.test(length) ? Number(length) : null, status: res.status };
  }

  /**
   * A blob (a layer) as a stream of bytes, never held whole. A HEAD goes first so the usual auth exchange
   * runs (and caches its token) through `request`; the GET then streams, and stalls longer than the
   * client's timeout between two chunks abort it. The caller checks the digest over what it reads.
   */
  async openBlobStream(repository: string, digest: string): Promise<{ size: number | null; body: AsyncIterable<Uint8Array> }> {
    if (!isDigest(digest)) throw new AppError('invalid-input', `"${digest}" is not a digest.`, { hint: 'A digest looks like sha256:<64 hex digits>.' });
    const scope = `repository:${repository}:pull`;
    const what = `blob ${digest} of ${repository}`;
    const path = `/v2/${repository}/blobs/${digest}`;
    await this.request({ method: 'HEAD', path, scope, what });
    const headers: Record<string, string> = {};
    const token = this.tokens.get(scope);
    if (token) headers.Authorization = `Bearer ${token}`;
    else if (this.useBasic && this.credentials) headers.Authorization = basicAuthorization(this.credentials);
    const url = this.resolveUrl(path).toString();
    const idle = new AbortController();
    const signal = this.signal ? AbortSignal.any([this.signal, idle.signal]) : idle.signal;
    let timer = setTimeout(() => idle.abort(), this.timeoutMs);
    const stall = (): AppError =>
      new AppError('timeout', `${this.registry} stopped sending ${what} for ${Math.round(this.timeoutMs / 1000)} s.`, {
        hint: 'The registry is slow or stuck: check that it is running and not overloaded, then try again.',
      });
    const failed = (error: unknown): AppError => {
      if (idle.signal.aborted && !this.signal?.aborted) return stall();
      return this.transportError(error, url, what, AbortSignal.timeout(2 ** 31 - 1));
    };
    // node:http when the client uses the platform fetch (the usual case); an injected fetch is honoured as is
    let res: { status: number; headers: Headers; url: string; body: AsyncIterable<Uint8Array>; readAll(): Promise<Buffer>; cancel(): Promise<void> };
    try {
      if (this.fetchImpl === globalThis.fetch) {
        const r = await streamGet(url, headers, signal);
        res = {
          ...r,
          readAll: async () => {
            const parts: Buffer[] = [];
            for await (const c of r.body) parts.push(c as Buffer);
            return Buffer.concat(parts);
          },
          cancel: async () => {
            r.body.destroy();
          },
        };
      } else {
        const r = await this.fetchImpl(url, { method: 'GET', headers, signal, redirect: 'follow' });
        const web = r.body;
        res = {
          status: r.status,
          headers: r.headers,
          url,
          body: web ? (web as unknown as AsyncIterable<Uint8Array>) : (async function* () {})(),
          readAll: async () => Buffer.from(await r.arrayBuffer()),
          cancel: async () => {
            await web?.cancel().catch(() => undefined);
          },
        };
      }
    } catch (error) {
      clearTimeout(timer);
      throw failed(error);
    }
    if (res.status < 200 || res.status >= 300) {
      const body = await res.readAll().catch(() => Buffer.alloc(0));
      clearTimeout(timer);
      throw this.statusError({ status: res.status, headers: res.headers, body, url: res.url }, { method: 'GET', path, scope, what });
    }
    const length = res.headers.get('content-length');
    const timeoutMs = this.timeoutMs;
    const source = res;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      try {
        const iterator = source.body[Symbol.asyncIterator]();
        for (;;) {
          let next: IteratorResult<Uint8Array>;
          try {
            next = await iterator.next();
          } catch (error) {
            throw failed(error);
          }
          if (next.done) return;
          clearTimeout(timer);
          timer = setTimeout(() => idle.abort(), timeoutMs);
          yield next.value;
        }
      } finally {
        clearTimeout(timer);
        await source.cancel();
      }
    }
    return { size: length !== null && /^\d+$/.test(length) ? Number(length) : null, body: chunks() };
  }

  /** Deletes a manifest by digest. Registries refuse unless deletes are enabled. */
  async deleteManifest(repository: string, digest: string): Promise<void> {
    if (!isDigest(digest)) {
      throw new AppError('invalid-input', `Manifests are deleted by digest, and "${digest}" is not one.`, {
        hint: 'Use deleteTag to remove a tag, or pass the sha256:… digest of the manifest.',
      });
    }
    await this.request({
      method: 'DELETE',
      path: `/v2/${repository}/manifests/${digest}`,
      scope: `repository:${repository}:delete`,
      what: `${repository}@${digest}`,
    });
  }

  /**
   * Deletes what a tag points at. The registry API has no "untag": this removes the manifest,
   * so every other tag on the same digest goes with it.
   */
  async deleteTag(repository: string, tag: string): Promise<{ digest: string }> {
    const head = await this.headManifest(repository, tag);
    const digest = head.digest ?? (await this.getManifest(repository, tag)).digest;
    await this.deleteManifest(repository, digest);
    return { digest };
  }

  /** Uploads a manifest or index under a tag or digest; returns the digest the registry stored. */
  async putManifest(repository: string, reference: string, mediaType: string, body: string | Uint8Array): Promise<{ digest: string }> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const expected = digestOf(bytes, isDigest(reference) ? algorithmOf(reference) : 'sha256');
    if (isDigest(reference) && reference !== expected) {
      throw new AppError('invalid-input', `The manifest body hashes to ${expected}, not ${reference}.`, { hint: 'Put it under a tag, or under its own digest.' });
    }
    const res = await this.request({
      method: 'PUT',
      path: `/v2/${repository}/manifests/${reference}`,
      headers: { 'Content-Type': mediaType },
      body: bytes,
      scope: `repository:${repository}:pull,push`,
      what: `${repository}:${reference}`,
    });
    const stored = res.headers.get('docker-content-digest');
    if (stored && stored !== expected && stored.startsWith(`${algorithmOf(expected)}:`)) {
      throw new AppError('registry-error', `${this.registry} stored ${repository}:${reference} as ${stored}, but the manifest sent hashes to ${expected}.`, {
        hint: 'Something between here and the registry changed the manifest; do not trust this upload.',
      });
    }
    return { digest: expected };
  }

  private async list(path: string, scope: string, what: string, field: 'repositories' | 'tags', options: ListOptions): Promise<ListResult<string>> {
    const pageSize = Math.max(1, Math.min(options.pageSize ?? 100, 1000));
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const items: string[] = [];
    const seen = new Set<string>();
    let next: string | undefined = `${path}?n=${pageSize}`;
    for (let page = 0; next !== undefined; page++) {
      if (page >= MAX_PAGES || seen.has(next)) {
        throw new AppError('registry-error', `${this.registry} kept sending pages of ${what} without an end.`, {
          hint: 'The registry\'s pagination is broken; list with a larger page size or check the registry.',
        });
      }
      seen.add(next);
      const res = await this.request({ method: 'GET', path: next, scope, what, maxBytes: 64 * 1024 * 1024 });
      const body = this.parseJson(res.body.toString('utf8'), `${this.registry} (${what})`, 'list') as Record<string, unknown> | null;
      const values = body?.[field];
      if (values !== null && values !== undefined && !(Array.isArray(values) && values.every((v) => typeof v === 'string'))) {
        throw new AppError('registry-error', `${this.registry} answered ${what} with a "${field}" field that is not a list of names.`, {
          hint: 'The address may not point at a container registry.',
        });
      }
      for (const v of (values as string[] | null | undefined) ?? []) {
        if (items.length >= limit) return { items, truncated: true };
        items.push(v);
      }
      next = parseLinkNext(res.headers.get('link'));
      if (next !== undefined && items.length >= limit) return { items, truncated: true };
    }
    return { items, truncated: false };
  }

  private verifyDigest(res: RawResponse, reference: string, where: string, kind: 'manifest' | 'blob'): string {
    const header = res.headers.get('docker-content-digest');
    const checks: Array<[string, string]> = [];
    if (header) checks.push(['the registry said (Docker-Content-Digest)', header]);
    if (isDigest(reference)) checks.push(['was asked for', reference]);
    for (const [said, expected] of checks) {
      if (!isDigest(expected)) continue;
      const actual = digestOf(res.body, algorithmOf(expected));
      if (actual !== expected) {
        throw new AppError('registry-error', `The ${kind} ${where} does not match its digest: ${said} ${expected}, but its content hashes to ${actual}.`, {
          hint: 'The registry or something between (a proxy, a cache) altered the content. Do not use it; push the image again and check the registry storage.',
          details: { expected, actual },
        });
      }
    }
    return isDigest(reference) ? reference : header && isDigest(header) ? header : digestOf(res.body);
  }

  private parseJson(text: string, where: string, kind: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      throw new AppError('registry-error', `${where}: the registry answered with a ${kind} that is not valid JSON (${summarizeErrorBody(text) || 'empty body'}).`, {
        hint: 'Check that the address points at a container registry and not at another web server or a proxy error page.',
      });
    }
  }

  private resolveUrl(path: string): URL {
    const url = new URL(path, this.baseUrl);
    if (url.origin !== new URL(this.baseUrl).origin) {
      // never send our credentials to a host the user did not name
      throw new AppError('registry-error', `${this.registry} sent a pagination link to another host (${url.origin}).`, {
        hint: 'The registry is misconfigured or behind a proxy that rewrites links.',
      });
    }
    return url;
  }

  private async request(spec: RequestSpec): Promise<RawResponse> {
    const url = this.resolveUrl(spec.path).toString();
    const headers: Record<string, string> = { ...spec.headers };
    const cached = this.tokens.get(spec.scope);
    if (cached) headers.Authorization = `Bearer ${cached}`;
    else if (this.useBasic && this.credentials) headers.Authorization = basicAuthorization(this.credentials);

    let res = await this.send(spec.method, url, headers, spec.body, spec.maxBytes, spec.what);
    if (res.status === 401) {
      const challenges = parseAuthChallenges(res.headers.get('www-authenticate'));
      const bearer = challenges.find((c) => c.scheme === 'bearer');
      const basic = challenges.find((c) => c.scheme === 'basic');
      if ((bearer || basic) && this.loginLookup !== 'off') {
        if (this.loginLookup === 'pending') {
          this.loginLookup = readDockerLogin(this.registry, this.env).then((stored) => {
            if (stored) {
              this.credentials = stored.credentials;
              this.loginSource = stored.source;
            }
          });
        }
        await this.loginLookup;
      }
      if (bearer) {
        const got = await fetchBearerToken({
          challenge: bearer,
          scope: spec.scope,
          registry: this.registry,
          insecure: this.insecure,
          ...(this.credentials ? { credentials: this.credentials } : {}),
          transport: async (tokenUrl, tokenHeaders) => {
            const r = await this.send('GET', tokenUrl, tokenHeaders, undefined, 1024 * 1024, 'a token');
            return { status: r.status, bodyText: r.body.toString('utf8') };
          },
        }).catch((error: unknown) => {
          // only a refusal by the token service is about the login; a misconfigured realm keeps its own hint
          const refused = error instanceof AppError && error.code === 'unauthorized' && [401, 403].includes((error.details as { status?: number } | undefined)?.status ?? 0);
          throw refused ? this.withLoginHint(error as AppError) : error;
        });
        this.tokens.set(spec.scope, got.token, got.expiresIn);
        if (got.scope !== spec.scope) this.tokens.set(got.scope, got.token, got.expiresIn);
        res = await this.send(spec.method, url, { ...headers, Authorization: `Bearer ${got.token}` }, spec.body, spec.maxBytes, spec.what);
      } else if (basic && this.credentials && !this.useBasic) {
        this.useBasic = true;
        res = await this.send(spec.method, url, { ...headers, Authorization: basicAuthorization(this.credentials) }, spec.body, spec.maxBytes, spec.what);
      }
    }
    if ((res.status >= 200 && res.status < 300) || spec.accept?.includes(res.status)) return res;
    throw this.statusError(res, spec);
  }

  /** The next step for a refused login, naming where the credentials came from. */
  private loginHint(): string {
    const login = `docker login ${this.registry}`;
    if (this.loginSource) return `The login stored by \`${login}\` (in ${this.loginSource}) was refused: run \`${login}\` again with the right username and password.`;
    if (this.credentials) return 'Check the username and password for this registry.';
    return `Log in with \`${login}\` (the app uses the same login as docker), then try again.`;
  }

  private withLoginHint(error: AppError): AppError {
    return new AppError(error.code, error.message, { hint: this.loginHint(), ...(error.details !== undefined ? { details: error.details } : {}) });
  }

  private statusError(res: RawResponse, spec: RequestSpec): AppError {
    const summary = summarizeErrorBody(res.body);
    const codes = errorCodesOf(res.body);
    const suffix = summary ? ` (${summary})` : '';
    const at = `${this.registry}`;
    const make = (code: ErrorCode, message: string, hint: string) =>
      new AppError(code, message, { hint, details: { status: res.status, url: res.url, ...(summary ? { body: summary } : {}) } });

    switch (res.status) {
      case 401: {
        const challenges = parseAuthChallenges(res.headers.get('www-authenticate'));
        const usable = challenges.some((c) => c.scheme === 'bearer') || (challenges.some((c) => c.scheme === 'basic') && this.credentials);
        if (!challenges.length || !usable) {
          return make(
            'unauthorized',
            `${at} refused ${spec.what}: it wants a login${challenges.length ? ` (${challenges.map((c) => c.scheme).join(', ')})` : ' but sent no usable challenge'}${suffix}.`,
            this.loginHint(),
          );
        }
        if (challenges.some((c) => c.scheme === 'basic') && !challenges.some((c) => c.scheme === 'bearer')) {
          return make('unauthorized', `${at} refused the username and password for ${spec.what}${suffix}.`, this.loginHint());
        }
        return make('unauthorized', `${at} refused ${spec.what} even after authenticating${suffix}.`, 'Check that these credentials may read (or write) this repository.');
      }
      case 403:
        return make('unauthorized', `${at} denied access to ${spec.what}${suffix}.`, 'Check that your account may access this repository.');
      case 404: {
        if (codes.includes('NAME_UNKNOWN')) {
          return make('not-found', `Repository not found on ${at}: ${spec.what}${suffix}.`, `List the repositories with \`multiarch-lab ls ${at}\` and check the name.`);
        }
        if (codes.includes('BLOB_UNKNOWN')) {
          return make('not-found', `${at} does not have ${spec.what}${suffix}.`, 'The image was pushed incompletely; push it again.');
        }
        if (codes.includes('MANIFEST_UNKNOWN') || spec.path.includes('/manifests/')) {
          return make('not-found', `Not found on ${at}: ${spec.what}${suffix}.`, 'Check the repository and tag; list the tags with `multiarch-lab ls REGISTRY/REPOSITORY`.');
        }
        if (spec.path.startsWith('/v2/_catalog')) {
          return make('unsupported', `${at} does not offer a repository list (the catalog API)${suffix}.`, 'Name the repository directly instead of listing them.');
        }
        return make('not-found', `Not found on ${at}: ${spec.what}${suffix}.`, 'Check the address and the repository name.');
      }
      case 405:
        if (spec.method === 'DELETE' || codes.includes('UNSUPPORTED')) {
          return make(
            'unsupported',
            spec.method === 'DELETE' ? `This registry does not allow deletes (${at} refused to delete ${spec.what}).` : `${at} does not support this operation on ${spec.what}${suffix}.`,
            'Start it with REGISTRY_STORAGE_DELETE_ENABLED=true (or storage.delete.enabled: true in its config), then try again.',
          );
        }
        return make('unsupported', `${at} does not allow ${spec.method} on ${spec.what}${suffix}.`, 'This registry may be read-only or a pull-through cache.');
      case 429:
        return make('registry-error', `${at} is rate-limiting requests (HTTP 429) for ${spec.what}${suffix}.`, 'Wait a little and try again, or log in for a higher limit.');
      default:
        if (res.status >= 500) {
          return make('registry-error', `The registry answered ${res.status} for ${spec.what}${suffix || ' (no error text)'}.`, `${at} failed on its side: check its logs and storage, then try again.`);
        }
        return make('registry-error', `${at} answered HTTP ${res.status} for ${spec.what}${suffix}.`, 'Check the request and the registry\'s logs.');
    }
  }

  private async send(method: string, url: string, headers: Record<string, string>, body: Uint8Array | undefined, maxBytes: number | undefined, what: string): Promise<RawResponse> {
    if (this.signal?.aborted) throw new AppError('cancelled', `Reading ${what} from ${this.registry} was cancelled.`);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = this.signal ? AbortSignal.any([this.signal, timeout]) : timeout;
    try {
      const init: RequestInit = { method, headers, signal, redirect: 'follow' };
      // a copy typed as ArrayBuffer-backed, which every fetch typing accepts as a body
      if (body !== undefined) init.body = new Uint8Array(body);
      const res = await this.fetchImpl(url, init);
      const length = Number(res.headers.get('content-length') ?? NaN);
      const limit = maxBytes ?? 16 * 1024 * 1024;
      if (Number.isFinite(length) && length > limit && method !== 'HEAD') {
        await res.body?.cancel().catch(() => undefined);
        throw new AppError('registry-error', `${this.registry} sent ${length} bytes for ${what}, more than the ${limit} expected.`, {
          hint: 'This does not look like a manifest or config; check the reference.',
        });
      }
      const buf = method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(await res.arrayBuffer());
      if (buf.length > limit) {
        throw new AppError('registry-error', `${this.registry} sent ${buf.length} bytes for ${what}, more than the ${limit} expected.`, {
          hint: 'This does not look like a manifest or config; check the reference.',
        });
      }
      return { status: res.status, headers: res.headers, body: buf, url };
    } catch (error) {
      throw this.transportError(error, url, what, timeout);
    }
  }

  private transportError(error: unknown, url: string, what: string, timeout: AbortSignal): AppError {
    if (error instanceof AppError) return error;
    if (this.signal?.aborted) return new AppError('cancelled', `Reading ${what} from ${this.registry} was cancelled.`);
    if (timeout.aborted || (error instanceof Error && error.name === 'TimeoutError')) {
      return new AppError('timeout', `${this.registry} did not answer ${what} within ${this.timeoutMs < 1000 ? `${this.timeoutMs} ms` : `${Math.round(this.timeoutMs / 1000)} s`}.`, {
        hint: 'The registry is slow or stuck: check that it is running and not overloaded, then try again.',
      });
    }
    const codes = causeCodes(error);
    const origin = new URL(url).origin;
    if (codes.includes('ECONNREFUSED')) {
      return new AppError('registry-error', `Could not connect to ${origin}: connection refused.`, {
        hint: `Is the registry running? Nothing listens at ${origin}. Start it with \`multiarch-lab registry up\`, or check the address and port.`,
        details: { url, codes },
      });
    }
    if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) {
      return new AppError('registry-error', `Could not find the host ${new URL(url).hostname}: the name does not resolve.`, {
        hint: 'Check the registry address for typos and that this machine can reach that network.',
        details: { url, codes },
      });
    }
    if (codes.includes('ECONNRESET') || codes.includes('UND_ERR_SOCKET')) {
      return new AppError('registry-error', `${origin} closed the connection while sending ${what}.`, {
        hint: this.plainHttp ? 'If this registry speaks HTTPS, do not mark it insecure.' : 'Try again; if it persists, check the registry or the proxy in between.',
        details: { url, codes },
      });
    }
    if (codes.some((c) => c.startsWith('ERR_SSL') || c === 'EPROTO' || c.startsWith('ERR_TLS') || c.includes('CERT') || c === 'DEPTH_ZERO_SELF_SIGNED_CERT')) {
      const wrongProtocol = codes.some((c) => c === 'EPROTO' || c.includes('WRONG_VERSION_NUMBER'));
      // Never fall back to HTTP on our own: the user adds the registry to the plain-HTTP list first.
      if (wrongProtocol && !this.plainHttp) return plainHttpNotListedError(this.registry, origin, error);
      return new AppError('registry-error', `The HTTPS connection to ${origin} failed${wrongProtocol ? ': the server does not speak HTTPS' : ' (certificate or TLS problem)'}.`, {
        hint: wrongProtocol
          ? 'This registry speaks plain HTTP: mark it insecure (as dockerd\'s insecure-registries) to talk to it.'
          : 'Install the registry\'s CA certificate (NODE_EXTRA_CA_CERTS), or mark the registry insecure if it is plain HTTP.',
        details: { url, codes },
      });
    }
    const message = error instanceof Error ? error.message : String(error);
    return new AppError('registry-error', `Talking to ${origin} failed while reading ${what}: ${message}${codes.length ? ` (${codes.join(', ')})` : ''}.`, {
      hint: 'Check the registry address and that the registry is running.',
      details: { url, codes },
    });
  }
}

/**
 * Makes the client for one registry. The core passes the plain-HTTP list's factory (plain-http-sources.ts);
 * without one, only loopback (or an explicit `insecure`) is plain HTTP.
 */
export type RegistryClientFactory = (registry: string, opts: { insecure?: boolean; signal?: AbortSignal }) => Promise<RegistryClient>;

export const directClient: RegistryClientFactory = async (registry, opts) =>
  new RegistryClient({ registry, ...(opts.insecure !== undefined ? { insecure: opts.insecure } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });

function clientOptions(insecure: boolean | undefined, signal: AbortSignal | undefined): { insecure?: boolean; signal?: AbortSignal } {
  return { ...(insecure !== undefined ? { insecure } : {}), ...(signal ? { signal } : {}) };
}

/** The note shown with a result read over plain HTTP from a registry that is not on loopback. */
export function plainHttpNoteOf(client: RegistryClient): { plainHttpNote?: string } {
  return client.plainHttpReason ? { plainHttpNote: client.plainHttpReason } : {};
}

/* Handlers for the registry-browser channels: each takes the validated channel input. */

export async function listRepositories(input: { registry: string; insecure?: boolean; limit?: number }, signal?: AbortSignal, makeClient: RegistryClientFactory = directClient): Promise<RegistryCatalog> {
  const client = await makeClient(input.registry, clientOptions(input.insecure, signal));
  const { items, truncated } = await client.catalog(input.limit !== undefined ? { limit: input.limit } : {});
  return { registry: client.registry, repositories: items, truncated, ...plainHttpNoteOf(client) };
}

export async function listTags(input: { registry: string; repository: string; insecure?: boolean; limit?: number }, signal?: AbortSignal, makeClient: RegistryClientFactory = directClient): Promise<RegistryTags> {
  const client = await makeClient(input.registry, clientOptions(input.insecure, signal));
  const { items, truncated } = await client.tags(input.repository, input.limit !== undefined ? { limit: input.limit } : {});
  return { registry: client.registry, repository: input.repository, tags: items, truncated, ...plainHttpNoteOf(client) };
}

/** Deletes by digest, or deletes the manifest a tag points at (which removes every tag on it). */
export async function deleteImage(input: { reference: string; insecure?: boolean }, signal?: AbortSignal, makeClient: RegistryClientFactory = directClient): Promise<RegistryDeleteResult> {
  const ref = parseImageReference(input.reference);
  const client = await makeClient(ref.registry, clientOptions(input.insecure, signal));
  if (ref.digest !== undefined) {
    await client.deleteManifest(ref.repository, ref.digest);
    return { repository: ref.repository, digest: ref.digest };
  }
  const { digest } = await client.deleteTag(ref.repository, ref.reference);
  return { repository: ref.repository, digest };
}
