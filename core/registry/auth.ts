/**
 * Registry authentication as the Distribution spec describes it: a 401 carries a
 * `WWW-Authenticate` challenge; `Bearer` means "get a token from this realm for this scope",
 * `Basic` means "send username and password with every request".
 */
import { AppError } from '../contract/errors.js';

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface AuthChallenge {
  /** Lowercased scheme: `bearer`, `basic`, … */
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a WWW-Authenticate header into its challenges. Handles quoted values with commas
 * and several challenges in one header (`Basic realm="x", Bearer realm="y",service="z"`).
 */
export function parseAuthChallenges(header: string | null | undefined): AuthChallenge[] {
  if (!header) return [];
  const out: AuthChallenge[] = [];
  let i = 0;
  const n = header.length;
  const skip = (chars: string) => {
    while (i < n && chars.includes(header[i]!)) i++;
  };
  const token = () => {
    const start = i;
    while (i < n && !' \t,="'.includes(header[i]!)) i++;
    return header.slice(start, i);
  };
  let current: AuthChallenge | undefined;
  while (i < n) {
    skip(' \t,');
    if (i >= n) break;
    const word = token();
    if (!word) {
      i++;
      continue;
    }
    skip(' \t');
    if (header[i] === '=' && current) {
      i++;
      skip(' \t');
      let value: string;
      if (header[i] === '"') {
        i++;
        let buf = '';
        while (i < n && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < n) i++;
          buf += header[i];
          i++;
        }
        i++;
        value = buf;
      } else {
        value = token();
      }
      current.params[word.toLowerCase()] = value;
    } else {
      current = { scheme: word.toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}

export function basicAuthorization(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Tokens per scope, dropped a little before they expire so a request never carries a stale one. */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();

  constructor(private readonly now: () => number = Date.now) {}

  get(scope: string): string | undefined {
    const hit = this.tokens.get(scope);
    if (!hit) return undefined;
    if (hit.expiresAt <= this.now()) {
      this.tokens.delete(scope);
      return undefined;
    }
    return hit.token;
  }

  set(scope: string, token: string, expiresInSeconds: number): void {
    // tokens live 60 s by default (spec); keep a margin for clock skew and slow requests
    const lifetime = Math.max(expiresInSeconds, 10) * 1000;
    this.tokens.set(scope, { token, expiresAt: this.now() + lifetime - Math.min(10_000, lifetime / 4) });
  }

  clear(): void {
    this.tokens.clear();
  }
}

export interface TokenRequestResult {
  status: number;
  bodyText: string;
}

export type TokenTransport = (url: string, headers: Record<string, string>) => Promise<TokenRequestResult>;

export interface BearerTokenRequest {
  challenge: AuthChallenge;
  /** Used when the challenge names no scope (e.g. the /v2/ ping). */
  scope?: string;
  credentials?: RegistryCredentials;
  registry: string;
  /** Allow sending credentials to a plain-HTTP realm that is not on loopback. */
  insecure?: boolean;
  transport: TokenTransport;
}

function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Asks the challenge's realm for a token: anonymously, or with Basic credentials when we have them. */
export async function fetchBearerToken(req: BearerTokenRequest): Promise<{ token: string; expiresIn: number; scope: string }> {
  const realm = req.challenge.params.realm;
  if (!realm) {
    throw new AppError('unauthorized', `${req.registry} asked for a token but did not say where to get one (no realm in its challenge).`, {
      hint: 'The registry is misconfigured; check its auth.token.realm setting.',
    });
  }
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new AppError('unauthorized', `${req.registry} sent a token realm that is not a URL: ${realm.slice(0, 200)}.`, {
      hint: 'The registry is misconfigured; check its auth.token.realm setting.',
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AppError('unauthorized', `${req.registry} sent a token realm with an unsupported scheme (${url.protocol}).`, {
      hint: 'The realm must be an http(s) URL.',
    });
  }
  const scope = req.challenge.params.scope ?? req.scope ?? '';
  if (req.challenge.params.service) url.searchParams.set('service', req.challenge.params.service);
  for (const s of scope.split(' ').filter(Boolean)) url.searchParams.append('scope', s);

  const headers: Record<string, string> = { Accept: 'application/json' };
  if (req.credentials) {
    if (url.protocol === 'http:' && !isLoopbackUrl(url) && !req.insecure) {
      throw new AppError('unauthorized', `Refusing to send credentials for ${req.registry} to a plain-HTTP token service (${url.origin}).`, {
        hint: 'Use a registry whose token service speaks HTTPS, or mark the registry insecure if you trust the network.',
      });
    }
    headers.Authorization = basicAuthorization(req.credentials);
    url.searchParams.set('account', req.credentials.username);
  }

  const res = await req.transport(url.toString(), headers);
  if (res.status === 401 || res.status === 403) {
    throw new AppError(
      'unauthorized',
      req.credentials
        ? `The token service of ${req.registry} refused the username and password (HTTP ${res.status}).`
        : `${req.registry} requires a login for ${scope || 'this request'} (its token service refused an anonymous token).`,
      {
        hint: req.credentials ? 'Check the username and password (or access token) for this registry.' : 'Log in to this registry first, then try again.',
        details: { status: res.status },
      },
    );
  }
  if (res.status < 200 || res.status >= 300) {
    throw new AppError('registry-error', `The token service of ${req.registry} answered HTTP ${res.status}.`, {
      hint: 'Try again later; if it persists, check the registry\'s auth service.',
      details: { body: res.bodyText.slice(0, 500) },
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(res.bodyText);
  } catch {
    throw new AppError('registry-error', `The token service of ${req.registry} answered with something that is not JSON.`, {
      hint: 'Check that the realm in the registry\'s challenge points at a token service.',
    });
  }
  const b = (body ?? {}) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
  const token = typeof b.token === 'string' && b.token ? b.token : typeof b.access_token === 'string' ? b.access_token : '';
  if (!token) {
    throw new AppError('registry-error', `The token service of ${req.registry} answered without a token.`, {
      hint: 'Check the registry\'s auth service configuration.',
    });
  }
  const expiresIn = typeof b.expires_in === 'number' && b.expires_in > 0 ? b.expires_in : 60;
  return { token, expiresIn, scope };
}
