import { describe, expect, test } from 'vitest';
import {
  appendArgs, binfmtInstallArgs, BINFMT_IMAGE, buildkitContainerName, buildkitdConfigFlag, buildkitStateVolumeName, createArgs, removeArgs,
} from '../../../core/commands/builder.js';
import { renderBuildkitdConfig, buildkitdConfigPath } from '../../../core/builder/buildkitd-config.js';

describe('builder commands', () => {
  test('the classic recipe: docker-container on the host network', () => {
    expect(createArgs({ name: 'mybuilder', driver: 'docker-container', driverOpts: { network: 'host' } })).toEqual([
      'buildx', 'create', '--name', 'mybuilder', '--driver', 'docker-container', '--driver-opt', 'network=host',
    ]);
  });

  test('pinned platforms, a config file and an endpoint', () => {
    expect(
      createArgs({ name: 'b', driver: 'remote', driverOpts: {}, platforms: ['linux/arm64', 'linux/arm/v7'], endpoint: 'tcp://10.0.0.5:1234', config: { flag: '--buildkitd-config', file: '/d/buildkitd.toml' } }),
    ).toEqual(['buildx', 'create', '--name', 'b', '--driver', 'remote', '--platform', 'linux/arm64,linux/arm/v7', '--buildkitd-config', '/d/buildkitd.toml', 'tcp://10.0.0.5:1234']);
  });

  test.each([
    [{ major: 0, minor: 10, patch: 5 }, '--config'],
    [{ major: 0, minor: 12, patch: 1 }, '--config'],
    [{ major: 0, minor: 13, patch: 1 }, '--buildkitd-config'],
    [{ major: 0, minor: 19, patch: 0 }, '--buildkitd-config'],
    [{ major: 1, minor: 0, patch: 0 }, '--buildkitd-config'],
  ])('buildx %o names the config flag %s', (version, flag) => {
    expect(buildkitdConfigFlag(version)).toBe(flag);
  });

  test('append a native node', () => {
    expect(appendArgs({ name: 'mybuilder', endpoint: 'ssh://pi@192.168.1.30', nodeName: 'pi5', platforms: ['linux/arm64'] })).toEqual([
      'buildx', 'create', '--append', '--name', 'mybuilder', '--node', 'pi5', '--platform', 'linux/arm64', 'ssh://pi@192.168.1.30',
    ]);
    expect(appendArgs({ name: 'm', endpoint: 'my-context' })).toEqual(['buildx', 'create', '--append', '--name', 'm', 'my-context']);
  });

  test('remove, with and without its state', () => {
    expect(removeArgs('m', false)).toEqual(['buildx', 'rm', 'm']);
    expect(removeArgs('m', true)).toEqual(['buildx', 'rm', '--keep-state', 'm']);
  });

  test('the names buildx gives a node container and its state volume', () => {
    expect(buildkitContainerName('mybuilder0')).toBe('buildx_buildkit_mybuilder0');
    expect(buildkitStateVolumeName('mybuilder0')).toBe('buildx_buildkit_mybuilder0_state');
  });

  test('binfmt runs privileged, labelled, removed afterwards, with a pinned tag', () => {
    expect(BINFMT_IMAGE).toBe('tonistiigi/binfmt:qemu-v8.1.5');
    expect(binfmtInstallArgs(['arm64', 'riscv64'])).toEqual([
      'run', '--privileged', '--rm', '--label', 'dev.multiarch-lab.managed=true', 'tonistiigi/binfmt:qemu-v8.1.5', '--install', 'arm64,riscv64',
    ]);
    expect(binfmtInstallArgs(['all'], { 'dev.multiarch-lab.test': 'builder' })).toEqual([
      'run', '--privileged', '--rm', '--label', 'dev.multiarch-lab.managed=true', '--label', 'dev.multiarch-lab.test=builder', 'tonistiigi/binfmt:qemu-v8.1.5', '--install', 'all',
    ]);
  });
});

describe('buildkitd.toml for insecure registries', () => {
  test('each registry once, over plain HTTP and without certificate checks', () => {
    const text = renderBuildkitdConfig('mybuilder', ['192.168.1.20:5000', 'registry.localhost:5000', '192.168.1.20:5000']);
    expect(text.match(/\[registry\."192\.168\.1\.20:5000"\]/g)).toHaveLength(1);
    expect(text).toContain('[registry."registry.localhost:5000"]\n  http = true\n  insecure = true\n');
    expect(text.startsWith('# Written by Multiarch Lab for the builder "mybuilder".')).toBe(true);
  });

  test('lives in the data folder, per builder', () => {
    expect(buildkitdConfigPath('/data', 'mybuilder')).toBe('/data/builders/mybuilder/buildkitd.toml');
  });
});
