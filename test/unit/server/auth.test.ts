import { describe, expect, it } from 'vitest';
import { generateToken, readCookie, tokenCookie, tokensMatch } from '../../../server/auth.js';

describe('tokens', () => {
  it('are 64 hex characters and different every launch', () => {
    const a = generateToken();
    const b = generateToken();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
  });

  it('match only the exact same string', () => {
    const t = generateToken();
    expect(tokensMatch(t, t)).toBe(true);
    expect(tokensMatch(t, t.toUpperCase())).toBe(false);
    expect(tokensMatch(t, t.slice(0, -1))).toBe(false);
    expect(tokensMatch(t, `${t}0`)).toBe(false);
    expect(tokensMatch(t, '')).toBe(false);
    expect(tokensMatch(t, undefined)).toBe(false);
    expect(tokensMatch(t, null)).toBe(false);
  });
});

describe('cookies', () => {
  it('are HttpOnly, SameSite=Strict and named after the port', () => {
    expect(tokenCookie(4321, 'abc')).toBe('multiarch_lab_token_4321=abc; Path=/; HttpOnly; SameSite=Strict');
  });

  it('are read by exact name among others', () => {
    const header = 'other=1; multiarch_lab_token_43210=nope; multiarch_lab_token_4321=yes ; x=y';
    expect(readCookie(header, 'multiarch_lab_token_4321')).toBe('yes');
    expect(readCookie(header, 'missing')).toBeUndefined();
    expect(readCookie(undefined, 'x')).toBeUndefined();
  });
});
