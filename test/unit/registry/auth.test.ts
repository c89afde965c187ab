import { describe, expect, it } from 'vitest';
import { parseAuthChallenges, TokenCache } from '../../../core/registry/auth.js';

describe('parseAuthChallenges', () => {
  it('reads a Bearer challenge as Docker Hub sends it', () => {
    const [c] = parseAuthChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"');
    expect(c).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
    });
  });

  it('keeps commas inside quotes and reads several challenges', () => {
    const cs = parseAuthChallenges('Basic realm="Registry Realm", Bearer realm="https://a/token",scope="repository:x:pull,push",error="insufficient_scope"');
    expect(cs.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(cs[1]!.params.scope).toBe('repository:x:pull,push');
    expect(cs[1]!.params.error).toBe('insufficient_scope');
    expect(cs[0]!.params.realm).toBe('Registry Realm');
  });

  it('accepts unquoted values and odd spacing', () => {
    const [c] = parseAuthChallenges('bearer  realm = https://a/token , service=svc');
    expect(c!.params).toEqual({ realm: 'https://a/token', service: 'svc' });
  });

  it('returns nothing for an absent header', () => {
    expect(parseAuthChallenges(null)).toEqual([]);
    expect(parseAuthChallenges('')).toEqual([]);
  });
});

describe('TokenCache', () => {
  it('keeps tokens per scope until shortly before they expire', () => {
    let now = 0;
    const cache = new TokenCache(() => now);
    cache.set('repository:a:pull', 'A', 60);
    cache.set('repository:b:pull', 'B', 300);
    expect(cache.get('repository:a:pull')).toBe('A');
    expect(cache.get('repository:b:pull')).toBe('B');
    expect(cache.get('repository:c:pull')).toBeUndefined();
    now = 49_000;
    expect(cache.get('repository:a:pull')).toBe('A');
    now = 51_000;
    expect(cache.get('repository:a:pull')).toBeUndefined();
    expect(cache.get('repository:b:pull')).toBe('B');
  });
});
