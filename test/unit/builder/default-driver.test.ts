import { describe, expect, test } from 'vitest';
import { explainDefaultDriver } from '../../../core/builder/default-driver.js';
import { driverTypeOf, factsFromInfo } from '../../../core/docker/facts.js';

const local = { endpoint: 'unix:///var/run/docker.sock' };

describe('the default docker driver explained', () => {
  test('containerd image store (as docker info reports it here): multi-platform capable, no suggestion', () => {
    const info = { ServerVersion: '26.1.5+dfsg1', Driver: 'overlayfs', DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']] };
    expect(driverTypeOf(info.DriverStatus)).toBe('io.containerd.snapshotter.v1');
    const e = explainDefaultDriver(factsFromInfo(local, info));
    expect(e).toMatchObject({ driver: 'docker', imageStore: 'containerd', containerdImageStore: true, multiPlatform: true, engineVersion: '26.1.5+dfsg1', storageDriver: 'overlayfs' });
    expect(e.suggestion).toBeUndefined();
    expect(e.explanation.join(' ')).toMatch(/image index/);
  });

  test('classic overlay2 store: not capable, says why, suggests the host-networked builder', () => {
    const info = { ServerVersion: '24.0.7', Driver: 'overlay2', DriverStatus: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true']] };
    const e = explainDefaultDriver(factsFromInfo(local, info), 'labbuilder');
    expect(e).toMatchObject({ imageStore: 'graphdriver', containerdImageStore: false, multiPlatform: false });
    expect(e.driverType).toBeUndefined();
    expect(e.explanation.join(' ')).toMatch(/Multi-platform build is not supported for the docker driver/);
    expect(e.suggestion?.command).toEqual(['docker', 'buildx', 'create', '--name', 'labbuilder', '--driver', 'docker-container', '--driver-opt', 'network=host', '--use']);
  });
});
