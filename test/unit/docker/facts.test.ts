/** Engine facts from one docker info answer. */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { engineHost, factsFromInfo } from '../../../core/docker/facts.js';

describe('engineHost', () => {
  it.each([
    ['unix:///var/run/docker.sock', 'localhost'],
    ['npipe:////./pipe/docker_engine', 'localhost'],
    ['tcp://127.0.0.1:2375', 'localhost'],
    ['tcp://build-box.lan:2376', 'build-box.lan'],
  ])('%s → %s', (endpoint, host) => expect(engineHost({ endpoint })).toBe(host));
});

describe('factsFromInfo', () => {
  it('reads arch, version, the containerd image store and locality (as docker info reports them here)', () => {
    const info = { Architecture: 'x86_64', ServerVersion: '26.1.5+dfsg1', OSType: 'linux', KernelVersion: os.release(), Driver: 'overlayfs', DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']] };
    expect(factsFromInfo({ endpoint: 'unix:///var/run/docker.sock' }, info, 'linux')).toEqual({
      host: 'localhost',
      arch: 'x86_64',
      serverVersion: '26.1.5+dfsg1',
      osType: 'linux',
      kernelVersion: os.release(),
      local: true,
      storageDriver: 'overlayfs',
      driverType: 'io.containerd.snapshotter.v1',
      imageStore: 'containerd',
    });
  });

  it('a remote engine, or one in a VM, is not local; a classic store is the graph driver', () => {
    const info = { Architecture: 'aarch64', OSType: 'linux', KernelVersion: '6.10.14-linuxkit', Driver: 'overlay2', DriverStatus: [['Backing Filesystem', 'extfs']] };
    const facts = factsFromInfo({ endpoint: 'tcp://build-box.lan:2376' }, info, 'linux');
    expect(facts).toMatchObject({ host: 'build-box.lan', arch: 'aarch64', local: false, imageStore: 'graphdriver', storageDriver: 'overlay2' });
    expect(facts.driverType).toBeUndefined();
    expect(factsFromInfo({ endpoint: 'unix:///var/run/docker.sock' }, {}, 'linux')).toMatchObject({ arch: 'unknown', local: false });
  });
});
