import { describe, expect, test } from 'vitest';
import { cacheRefFor, manifestCreateEquivalent, manifestPushEquivalent, modernBuildArgs, modernEquivalent, oldSchoolBuildArgs, oldSchoolBuildEquivalent, parsePushDigest, platformSuffix, platformTag } from '../../../core/commands/build.js';
import { chooseBuilder } from '../../../core/build/run-build.js';
import { parseImageReference } from '../../../core/registry/reference.js';

const ctx = { context: '/work/hello', builder: 'default' };

describe('the modern command', () => {
  test('what the app runs: every platform, pushed to the registry, rawjson progress, no attestations', () => {
    expect(modernBuildArgs({ ...ctx, noCache: true, buildArgs: { A: '1' }, labels: { 'dev.multiarch-lab.test': 'build' } }, ['linux/amd64', 'linux/arm64'], 'localhost:5000/hello:1')).toEqual([
      'buildx', 'build', '--platform', 'linux/amd64,linux/arm64', '--tag', 'localhost:5000/hello:1',
      '--output', 'type=registry,registry.insecure=true', '--provenance=false', '--progress=rawjson',
      '--builder', 'default', '--no-cache', '--build-arg', 'A=1', '--label', 'dev.multiarch-lab.test=build', '--label', 'dev.multiarch-lab.managed=true',
      '/work/hello',
    ]);
  });

  test('what a person would type: the same without the progress format and the app\'s own label', () => {
    expect(modernEquivalent(ctx, ['linux/amd64', 'linux/arm/v7'], 'localhost:5000/hello:1')).toEqual([
      'docker', 'buildx', 'build', '--platform', 'linux/amd64,linux/arm/v7', '--tag', 'localhost:5000/hello:1',
      '--output', 'type=registry,registry.insecure=true', '--provenance=false', '--builder', 'default', '/work/hello',
    ]);
  });
});

describe('the old-school commands', () => {
  const ref = parseImageReference('localhost:5000/hello:1');

  test.each([
    ['linux/amd64', 'amd64'],
    ['linux/arm64', 'arm64'],
    ['linux/arm64/v8', 'arm64'],
    ['linux/arm/v7', 'armv7'],
    ['linux/arm/v6', 'armv6'],
    ['windows/amd64', 'windows-amd64'],
  ])('%s is tagged -%s', (platform, suffix) => {
    expect(platformSuffix(platform)).toBe(suffix);
    expect(platformTag(ref, platform)).toBe(`localhost:5000/hello:1-${suffix}`);
  });

  test('a reference without a tag gets latest-<arch>; a very long tag is shortened to stay valid', () => {
    expect(platformTag(parseImageReference('localhost:5000/team/app'), 'linux/arm64')).toBe('localhost:5000/team/app:latest-arm64');
    const long = platformTag(parseImageReference(`localhost:5000/app:${'x'.repeat(128)}`), 'linux/arm/v7');
    expect(long.split(':').pop()).toHaveLength(128);
    expect(long.endsWith('-armv7')).toBe(true);
  });

  test('one platform loaded into the engine, then pushed; the shown form is docker build', () => {
    expect(oldSchoolBuildArgs(ctx, 'linux/arm64', 'localhost:5000/hello:1-arm64')).toEqual([
      'buildx', 'build', '--platform', 'linux/arm64', '--tag', 'localhost:5000/hello:1-arm64', '--provenance=false', '--load', '--progress=rawjson',
      '--builder', 'default', '--label', 'dev.multiarch-lab.managed=true', '/work/hello',
    ]);
    expect(oldSchoolBuildEquivalent({ context: '/work/hello' }, 'linux/arm64', 'localhost:5000/hello:1-arm64')).toEqual([
      'docker', 'build', '--platform', 'linux/arm64', '-t', 'localhost:5000/hello:1-arm64', '--provenance=false', '/work/hello',
    ]);
  });

  test('docker manifest needs --insecure for a plain-HTTP registry on localhost, not for others', () => {
    expect(manifestCreateEquivalent(ref, 'localhost:5000/hello:1', ['localhost:5000/hello:1-amd64', 'localhost:5000/hello:1-arm64'])).toEqual([
      'docker', 'manifest', 'create', '--insecure', 'localhost:5000/hello:1', '--amend', 'localhost:5000/hello:1-amd64', '--amend', 'localhost:5000/hello:1-arm64',
    ]);
    expect(manifestPushEquivalent(parseImageReference('registry.example.com/hello:1'), 'registry.example.com/hello:1')).toEqual(['docker', 'manifest', 'push', 'registry.example.com/hello:1']);
  });

  test('the digest docker push prints (captured from docker 26 here)', () => {
    const out = 'The push refers to repository [localhost:5999/hello]\nd907042664f1: Layer already exists\n1-arm64: digest: sha256:17e77a377995d127d3f24966a4ef45e6f33737b75fe59f0394980f8c2cfd6e1d size: 891\n';
    expect(parsePushDigest(out)).toEqual({ digest: 'sha256:17e77a377995d127d3f24966a4ef45e6f33737b75fe59f0394980f8c2cfd6e1d', size: 891 });
    expect(parsePushDigest('nothing')).toBeUndefined();
  });
});

describe('choosing the builder', () => {
  const base = { containerdImageStore: true, defaultBuilder: 'default', configuredBuilder: 'mybuilder' };
  test('the one asked for wins', () => {
    expect(chooseBuilder({ ...base, mode: 'modern', requested: 'other' }).name).toBe('other');
  });
  test('modern with the containerd store: the engine\'s own builder', () => {
    expect(chooseBuilder({ ...base, mode: 'modern' })).toMatchObject({ name: 'default', reason: expect.stringMatching(/containerd image store/) });
  });
  test('modern with the classic store: the host-networked builder from settings', () => {
    expect(chooseBuilder({ ...base, containerdImageStore: false, mode: 'modern' })).toMatchObject({ name: 'mybuilder', reason: expect.stringMatching(/classic image store/) });
  });
  test('old-school: one platform per build, so the engine\'s own builder (named after the context) always does', () => {
    expect(chooseBuilder({ ...base, containerdImageStore: false, defaultBuilder: 'desktop-linux', mode: 'old-school' }).name).toBe('desktop-linux');
  });
});

describe('cache refs per platform', () => {
  test('cacheRefFor appends the platform suffix to the cache tag (latest when none)', () => {
    expect(cacheRefFor('localhost:5000/hello:buildcache', 'linux/arm64')).toBe('localhost:5000/hello:buildcache-arm64');
    expect(cacheRefFor('localhost:5000/hello:buildcache', 'linux/arm/v7')).toBe('localhost:5000/hello:buildcache-armv7');
    expect(cacheRefFor('localhost:5000/hello', 'linux/amd64')).toBe('localhost:5000/hello:latest-amd64');
  });

  test('old-school with cachePerPlatform reads and writes the platform ref; cacheFrom refs are read only', () => {
    const os = oldSchoolBuildArgs({ context: '/c', cacheRef: 'r:5000/h:c', cachePerPlatform: true }, 'linux/arm64', 'r:5000/h:1-arm64');
    expect(os).toEqual(expect.arrayContaining(['--cache-from', 'type=registry,ref=r:5000/h:c-arm64,registry.insecure=true', '--cache-to', 'type=registry,ref=r:5000/h:c-arm64,mode=max,registry.insecure=true']));
    const modern = modernBuildArgs({ context: '/c', cacheRef: 'r:5000/h:c', cacheFrom: ['r:5000/h:c-amd64'] }, ['linux/amd64', 'linux/arm64'], 'r:5000/h:1');
    expect(modern.filter((a) => a.includes('ref='))).toEqual([
      'type=registry,ref=r:5000/h:c-amd64,registry.insecure=true',
      'type=registry,ref=r:5000/h:c,registry.insecure=true',
      'type=registry,ref=r:5000/h:c,mode=max,registry.insecure=true',
    ]);
  });
});
