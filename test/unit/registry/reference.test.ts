import { describe, expect, it } from 'vitest';
import { AppError } from '../../../core/contract/errors.js';
import { formatImageReference, isLoopbackRegistry, parseImageReference, checkRegistryAddress } from '../../../core/registry/reference.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('parseImageReference', () => {
  it.each([
    ['busybox', 'docker.io', 'registry-1.docker.io', 'library/busybox', 'latest', undefined],
    ['busybox:1.36', 'docker.io', 'registry-1.docker.io', 'library/busybox', '1.36', undefined],
    ['docker.io/busybox', 'docker.io', 'registry-1.docker.io', 'library/busybox', 'latest', undefined],
    ['index.docker.io/library/busybox:1', 'docker.io', 'registry-1.docker.io', 'library/busybox', '1', undefined],
    ['tonistiigi/binfmt:latest', 'docker.io', 'registry-1.docker.io', 'tonistiigi/binfmt', 'latest', undefined],
    ['localhost/app', 'localhost', 'localhost', 'app', 'latest', undefined],
    ['localhost:5000/hello:1.0', 'localhost:5000', 'localhost:5000', 'hello', '1.0', undefined],
    ['127.0.0.1:5000/team/app:v2', '127.0.0.1:5000', '127.0.0.1:5000', 'team/app', 'v2', undefined],
    ['10.0.0.7/app', '10.0.0.7', '10.0.0.7', 'app', 'latest', undefined],
    ['[::1]:5000/app:x', '[::1]:5000', '[::1]:5000', 'app', 'x', undefined],
    ['ghcr.io/owner/repo/sub:tag_1', 'ghcr.io', 'ghcr.io', 'owner/repo/sub', 'tag_1', undefined],
    [`localhost:5000/app@${D}`, 'localhost:5000', 'localhost:5000', 'app', undefined, D],
    [`localhost:5000/app:1@${D}`, 'localhost:5000', 'localhost:5000', 'app', '1', D],
    ['my-registry:5000/a__b/c-d.e', 'my-registry:5000', 'my-registry:5000', 'a__b/c-d.e', 'latest', undefined],
  ])('%s', (input, registry, endpoint, repository, tag, digest) => {
    const ref = parseImageReference(input);
    expect(ref.registry).toBe(registry);
    expect(ref.endpoint).toBe(endpoint);
    expect(ref.repository).toBe(repository);
    expect(ref.tag).toBe(tag);
    expect(ref.digest).toBe(digest);
    expect(ref.reference).toBe(digest ?? tag);
  });

  it('treats a first part without dot, port or localhost as a Hub namespace', () => {
    expect(parseImageReference('team/app').registry).toBe('docker.io');
    expect(parseImageReference('team/app').repository).toBe('team/app');
  });

  it('reads an uppercase first part as a registry host, as the docker CLI does', () => {
    expect(parseImageReference('UPPER/app').registry).toBe('UPPER');
    expect(parseImageReference('UPPER/app').repository).toBe('app');
  });

  it.each([
    ['', /empty/],
    ['Busybox', /lowercase/],
    ['localhost:5000/App', /lowercase/],
    ['busybox:', /not a valid tag/],
    ['busybox:-bad', /not a valid tag/],
    ['busybox:has/slash/x', /not a registry host/],
    ['localhost:5000/a/../b', /lowercase letters/],
    ['localhost:5000/', /missing/],
    ['localhost:5000//app', /empty path/],
    ['app@sha256:1234', /digest/],
    ['app@md5:' + 'a'.repeat(32), /digest/],
    ['app name', /spaces/],
    ['a--/b', /lowercase letters/],
    ['localhost:99999/app', /port/],
    [':tag', /missing/],
    ['x'.repeat(600), /longer than 512/],
  ])('refuses %j with invalid-input', (input, why) => {
    try {
      parseImageReference(input);
      expect.unreachable(`should have refused ${input}`);
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('invalid-input');
      expect((error as AppError).message).toMatch(why);
      expect((error as AppError).hint).toMatch(/looks like|registry address|port/);
    }
  });

  it('formats back to the full form', () => {
    expect(formatImageReference(parseImageReference('busybox'))).toBe('docker.io/library/busybox:latest');
    expect(formatImageReference(parseImageReference(`localhost:5000/a:1@${D}`))).toBe(`localhost:5000/a:1@${D}`);
  });
});

describe('registry addresses', () => {
  it.each([
    ['localhost:5000', true],
    ['localhost', true],
    ['127.0.0.1:5000', true],
    ['127.3.2.1', true],
    ['[::1]:5000', true],
    ['registry.example.com', false],
    ['10.0.0.1:5000', false],
    ['localhost.example.com:5000', false],
  ])('%s plain HTTP by default: %s', (address, loopback) => {
    expect(isLoopbackRegistry(address)).toBe(loopback);
  });

  it('refuses things that are not host[:port]', () => {
    expect(() => checkRegistryAddress('http://localhost:5000')).toThrow(/not a registry address/);
    expect(() => checkRegistryAddress('localhost:0')).toThrow(/port/);
    expect(checkRegistryAddress('localhost:5000')).toBe('localhost:5000');
  });
});
