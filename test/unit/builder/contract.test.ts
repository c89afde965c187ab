import { describe, expect, test } from 'vitest';
import { builderChannels, BuilderEndpoint, DriverOpts, InsecureRegistry } from '../../../core/contract/builder.js';
import { channels } from '../../../core/contract/channels.js';

describe('builder channel inputs', () => {
  test('every builder channel is in the one channel map', () => {
    for (const name of Object.keys(builderChannels)) expect(Object.keys(channels)).toContain(name);
  });

  test('create defaults: docker-container, use, bootstrap', () => {
    expect(builderChannels['builder:create'].input.parse({})).toEqual({ driver: 'docker-container', use: true, bootstrap: true });
  });

  test.each([
    [{ name: 'my builder' }],
    [{ name: '-rf' }],
    [{ driver: 'docker' }],
    [{ driverOpts: { network: 'host; rm -rf /' } }],
    [{ driverOpts: { 'bad key': 'x' } }],
    [{ driverOpts: { network: '$(id)' } }],
    [{ insecureRegistries: ['http://10.0.0.1:5000'] }],
    [{ platforms: ['arm64'] }],
    [{ driver: 'remote' }],
    [{ extra: true }],
  ])('create refuses %o', (input) => {
    expect(builderChannels['builder:create'].input.safeParse(input).success).toBe(false);
  });

  test('create accepts the remote driver with its address', () => {
    expect(builderChannels['builder:create'].input.safeParse({ driver: 'remote', endpoint: 'tcp://buildkitd:1234' }).success).toBe(true);
  });

  test.each(['ssh://pi@192.168.1.30', 'ssh://host.lan:2222', 'tcp://10.0.0.5:2376', 'unix:///var/run/docker.sock', 'desktop-linux', 'mal-test-ctx-1'])('endpoint %s is accepted', (e) => {
    expect(BuilderEndpoint.safeParse(e).success).toBe(true);
  });

  test.each(['-H', 'http://x', 'ssh://pi@host;id', 'tcp://host', 'my context', 'unix://relative'])('endpoint %s is refused', (e) => {
    expect(BuilderEndpoint.safeParse(e).success).toBe(false);
  });

  test('driver options: the usual ones pass', () => {
    expect(DriverOpts.safeParse({ network: 'host', image: 'moby/buildkit:v0.12.5', 'env.BUILDKIT_STEP_LOG_MAX_SIZE': '10485760', 'cgroup-parent': '/docker/buildx' }).success).toBe(true);
  });

  test('insecure registries are host:port', () => {
    expect(InsecureRegistry.safeParse('192.168.1.20:5000').success).toBe(true);
    expect(InsecureRegistry.safeParse('registry.localhost:5000').success).toBe(true);
    expect(InsecureRegistry.safeParse('a"b:5000').success).toBe(false);
  });

  test('install-emulators takes all, a platform list, or nothing', () => {
    const input = builderChannels['builder:install-emulators'].input;
    expect(input.safeParse({}).success).toBe(true);
    expect(input.safeParse({ platforms: 'all' }).success).toBe(true);
    expect(input.safeParse({ platforms: ['linux/arm64'] }).success).toBe(true);
    expect(input.safeParse({ platforms: 'some' }).success).toBe(false);
    expect(input.safeParse({ platforms: [] }).success).toBe(false);
  });

  test('remove keeps no state unless asked', () => {
    expect(builderChannels['builder:remove'].input.parse({ name: 'b' })).toEqual({ name: 'b', keepState: false });
  });
});
