import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A fresh secret per launch: whoever holds it may drive the local Docker engine, so it is long and random. */
export function generateToken(): string {
  return randomBytes(32).toString('hex');
}

/**
 * Constant-time comparison. Both sides are hashed first so that neither the length
 * nor the content of the expected token leaks through timing.
 */
export function tokensMatch(expected: string, candidate: string | undefined | null): boolean {
  if (typeof candidate !== 'string' || candidate.length === 0 || candidate.length > 1024) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(candidate).digest();
  return timingSafeEqual(a, b);
}

/**
 * The cookie name carries the port: cookies are not isolated by port, so two servers on the same
 * machine would otherwise overwrite each other's token.
 */
export function cookieName(port: number): string {
  return `multiarch_lab_token_${port}`;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function tokenCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

/** The hosts a page served by us may legitimately be addressed as; anything else is DNS rebinding or a mistake. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function allowedOrigins(port: number): string[] {
  return allowedHosts(port).map((h) => `http://${h}`);
}

export function hostIsAllowed(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host?.toLowerCase();
  return host !== undefined && allowedHosts(port).includes(host);
}

export interface RequestCredentials {
  /** The token given in the query string, if any. */
  queryToken: string | undefined;
  /** The token given in our cookie, if any. */
  cookieToken: string | undefined;
}

export function requestCredentials(req: IncomingMessage, url: URL, port: number): RequestCredentials {
  return {
    queryToken: url.searchParams.get('token') ?? undefined,
    cookieToken: readCookie(req.headers.cookie, cookieName(port)),
  };
}
