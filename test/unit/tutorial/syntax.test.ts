import { describe, expect, test } from 'vitest';
import { needsLabsSyntax, parseVersion } from '../../../core/tutorial/syntax.js';

describe('needsLabsSyntax: only when the builder cannot read heredocs by itself', () => {
  test.each([
    [{ engineVersion: '26.1.5+dfsg1', buildkitVersion: 'v0.0.0+unknown', driver: 'docker' }, false, /Docker Engine 26\.1\.5\+dfsg1 \(23 or later\)/],
    [{ engineVersion: '20.10.24+dfsg1', driver: 'docker' }, true, /bundles a BuildKit older than 0\.10/],
    [{ engineVersion: '23.0.0' }, false, /23 or later/],
    [{ engineVersion: '20.10.5', buildkitVersion: 'v0.12.5', driver: 'docker-container' }, false, /BuildKit v0\.12\.5/],
    [{ engineVersion: '26.1.0', buildkitVersion: 'v0.9.3', driver: 'docker-container' }, true, /older than 0\.10/],
    [{ buildkitVersion: 'v0.10.0' }, false, /reads heredocs/],
    [{ engineVersion: '26.1.0', driver: 'remote' }, false, /unknown/],
    [{}, false, /unknown/],
  ])('%o → %s', (facts, needed, reason) => {
    const d = needsLabsSyntax(facts);
    expect(d.needed).toBe(needed);
    expect(d.reason).toMatch(reason);
  });

  test('versions as engines, buildx and distributions print them', () => {
    expect(parseVersion('26.1.5+dfsg1')).toEqual({ major: 26, minor: 1, patch: 5 });
    expect(parseVersion('v0.13.1')).toEqual({ major: 0, minor: 13, patch: 1 });
    expect(parseVersion('0.12.1-desktop.4')).toEqual({ major: 0, minor: 12, patch: 1 });
    expect(parseVersion('v0.0.0+unknown')).toBeUndefined();
    expect(parseVersion('dev')).toBeUndefined();
  });
});
