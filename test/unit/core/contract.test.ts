import { describe, expect, it } from 'vitest';
import { ImageReference, PlatformString, ResourceName } from '../../../core/contract/common.js';
import { AppError, deserializeError, serializeError } from '../../../core/contract/errors.js';

describe('input schemas', () => {
  it.each(['registry:2', 'localhost:5000/hello:1.0', 'ghcr.io/org/app@sha256:' + 'a'.repeat(64), 'alpine', '127.0.0.1:5000/a/b/c:v1.2-rc'])(
    'accepts the image reference %s',
    (ref) => expect(ImageReference.safeParse(ref).success).toBe(true),
  );
  it.each(['', 'UPPERCASE', 'repo/Name', 'a;rm -rf /', '$(reboot)', 'a b', '../../etc/passwd', 'x:' + 't'.repeat(200), 'a'.repeat(600), 'name:tag\n'])(
    'refuses the image reference %j',
    (ref) => expect(ImageReference.safeParse(ref).success).toBe(false),
  );
  it.each(['linux/amd64', 'linux/arm/v7', 'linux/arm64', 'windows/amd64'])('accepts platform %s', (p) =>
    expect(PlatformString.safeParse(p).success).toBe(true),
  );
  it.each(['amd64', 'linux/', 'linux/arm/v7/x', 'linux/amd64;ls', 'Linux/AMD64'])('refuses platform %j', (p) =>
    expect(PlatformString.safeParse(p).success).toBe(false),
  );
  it.each(['-rm', '', 'a/b', 'x'.repeat(200), 'a b', '.hidden'])('refuses resource name %j', (n) =>
    expect(ResourceName.safeParse(n).success).toBe(false),
  );
});

describe('errors across the boundary', () => {
  it('round-trips code, message and hint', () => {
    const wire = JSON.parse(JSON.stringify(serializeError(new AppError('port-taken', 'Port 5000 is taken', { hint: 'Try 5001' }))));
    const back = deserializeError(wire);
    expect(back).toBeInstanceOf(AppError);
    expect([back.code, back.message, back.hint]).toEqual(['port-taken', 'Port 5000 is taken', 'Try 5001']);
  });
  it('degrades malformed wire errors to internal', () => {
    expect(deserializeError({ code: 'nope', message: 3 }).code).toBe('internal');
    expect(deserializeError(null).code).toBe('internal');
  });
});
