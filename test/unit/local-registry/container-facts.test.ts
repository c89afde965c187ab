/** Pure facts about registry containers: what a container is, where it is published, what up creates. */
import { describe, expect, it } from 'vitest';
import { RegistryDownInput, RegistryGcInput, RegistryUpInput, RegistryVolumeUsageInput } from '../../../core/contract/registry-lifecycle.js';
import {
  deleteEnabledIn,
  garbageCollectCommand,
  imageRepository,
  parseGcSummary,
  publishedRegistryPort,
  registryEvidence,
  registryVolumeName,
  type ContainerFacts,
} from '../../../core/local-registry/container-facts.js';
import { containerCreateOptions } from '../../../core/local-registry/spec.js';
import { registryLabels, registryRunCommand as dockerRunCommand } from '../../../core/commands/registry.js';

/** Trimmed from `docker container inspect` of a registry Multiarch Lab created (Engine 26). */
const ours: ContainerFacts = {
  Id: 'd4ead72245849045cae20e5e87d1c1f489bd9620a66127b731a00af353ef43d6',
  Name: '/registry',
  Path: '/bin/registry',
  Args: ['serve', '/etc/docker/registry/config.yml'],
  State: { Status: 'running', Running: true, Paused: false, Restarting: false, ExitCode: 0, StartedAt: '2026-11-27T04:37:15.406939591Z' },
  Config: {
    Image: 'registry:2',
    Labels: { 'dev.multiarch-lab.managed': 'true', 'dev.multiarch-lab.role': 'registry' },
    Entrypoint: ['/bin/registry'],
    Cmd: ['serve', '/etc/docker/registry/config.yml'],
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
  },
  HostConfig: { RestartPolicy: { Name: 'always', MaximumRetryCount: 0 }, PortBindings: { '5000/tcp': [{ HostIp: '', HostPort: '5000' }] } },
  NetworkSettings: { Ports: { '5000/tcp': [{ HostIp: '0.0.0.0', HostPort: '5000' }, { HostIp: '::', HostPort: '5000' }] } },
  Mounts: [{ Type: 'volume', Name: 'registry_data', Source: '/var/lib/docker/volumes/registry_data/_data', Destination: '/var/lib/registry' }],
};

/** The official image started by hand with `docker run -d -p 5001:5000 --name registry registry:2` elsewhere. */
const official: ContainerFacts = {
  Path: '/entrypoint.sh',
  Args: ['/etc/docker/registry/config.yml'],
  State: { Status: 'exited', Running: false },
  Config: { Image: 'sha256:75ef5b734af47dc41ff2fb442f287ee08c7da31dddb3759616a8f693f0f346a0', Labels: {}, Entrypoint: ['/entrypoint.sh'], Cmd: ['/etc/docker/registry/config.yml'], Env: ['REGISTRY_STORAGE_DELETE_ENABLED=TRUE'] },
  HostConfig: { RestartPolicy: { Name: 'no' }, PortBindings: { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '5001' }] } },
  NetworkSettings: { Ports: {} },
  Mounts: [{ Type: 'bind', Source: '/srv/registry', Destination: '/var/lib/registry' }],
};

const busybox: ContainerFacts = {
  Path: 'sleep',
  Args: ['300'],
  Config: { Image: 'multiarch-lab-test/busybox:1', Labels: {}, Entrypoint: null, Cmd: ['sleep', '300'] },
};

describe('registryEvidence', () => {
  it.each([
    ['our role label', ours, /label dev\.multiarch-lab\.role=registry/],
    ['the official entrypoint serving a registry config, image by id', official, /serves a registry configuration/],
    ['an image named registry on a mirror', { Config: { Image: 'mirror.example.com:5000/library/registry:2.8.3@sha256:' + 'a'.repeat(64) } }, /runs the image/],
    ['the distribution project image', { Config: { Image: 'ghcr.io/distribution/distribution:3.0.0' } }, /runs the image/],
    ['the registry binary under another image name', { Path: '/usr/bin/docker-registry', Config: { Image: 'my/thing:1' } }, /registry program/],
  ])('recognizes a registry by %s', (_what, info, why) => {
    expect(registryEvidence(info as ContainerFacts)).toMatch(why);
  });

  it.each([
    ['a busybox sleeping', busybox],
    ['an image whose name only contains registry', { Config: { Image: 'registry-ui:latest' } }],
    ['a program called registry-helper', { Path: '/bin/registry-helper', Config: { Image: 'x:1' } }],
  ])('refuses %s', (_what, info) => {
    expect(registryEvidence(info as ContainerFacts)).toBeNull();
  });
});

describe('imageRepository', () => {
  it.each([
    ['registry:2', 'registry'],
    ['localhost:5000/registry', 'localhost:5000/registry'],
    ['localhost:5000/registry:2', 'localhost:5000/registry'],
    [`registry@sha256:${'b'.repeat(64)}`, 'registry'],
  ])('%s → %s', (image, repo) => expect(imageRepository(image)).toBe(repo));
});

describe('publishedRegistryPort', () => {
  it('reads the live binding of a running container, IPv4 first, wildcard as localhost', () => {
    expect(publishedRegistryPort(ours)).toEqual({ host: 'localhost', port: 5000 });
  });

  it('reads the configured binding of a stopped container, keeping a specific host address', () => {
    expect(publishedRegistryPort(official)).toEqual({ host: '127.0.0.1', port: 5001 });
  });

  it('falls back to any published tcp port, and to null when none is published', () => {
    expect(publishedRegistryPort({ State: { Running: true }, NetworkSettings: { Ports: { '8080/tcp': [{ HostIp: '::1', HostPort: '18080' }] } } })).toEqual({ host: '[::1]', port: 18080 });
    expect(publishedRegistryPort({ State: { Running: true }, NetworkSettings: { Ports: { '5000/tcp': null } }, HostConfig: { PortBindings: {} } })).toBeNull();
  });
});

describe('container facts', () => {
  it('finds the named volume at /var/lib/registry, not a bind mount', () => {
    expect(registryVolumeName(ours)).toBe('registry_data');
    expect(registryVolumeName(official)).toBeNull();
  });

  it('reads deletes as enabled only for the exact variable set to true', () => {
    expect(deleteEnabledIn(official.Config?.Env)).toBe(true);
    expect(deleteEnabledIn(['REGISTRY_STORAGE_DELETE_ENABLED=false'])).toBe(false);
    expect(deleteEnabledIn(['X_REGISTRY_STORAGE_DELETE_ENABLED=true'])).toBe(false);
    expect(deleteEnabledIn(null)).toBe(false);
  });

  it('garbage-collects with the program and config the container runs', () => {
    expect(garbageCollectCommand(ours)).toEqual(['/bin/registry', 'garbage-collect', '/etc/docker/registry/config.yml']);
    // the official image runs a script: its binary is /bin/registry
    expect(garbageCollectCommand(official, { dryRun: true, deleteUntagged: true })).toEqual(['/bin/registry', 'garbage-collect', '--dry-run', '--delete-untagged', '/etc/docker/registry/config.yml']);
    expect(garbageCollectCommand({ Path: '/usr/bin/docker-registry', Args: ['serve', '/etc/custom.yaml'] })).toEqual(['/usr/bin/docker-registry', 'garbage-collect', '/etc/custom.yaml']);
  });
});

describe('what up creates', () => {
  const spec = { name: 'registry', image: 'registry:2', port: 5000, volume: 'registry_data', deleteEnabled: false, labels: registryLabels({}) };

  it('shows the classic docker run', () => {
    expect(dockerRunCommand(spec)).toEqual([
      'docker', 'run', '-d', '-p', '5000:5000', '--restart=always', '--name', 'registry', '-v', 'registry_data:/var/lib/registry',
      '--label', 'dev.multiarch-lab.managed=true', '--label', 'dev.multiarch-lab.role=registry', 'registry:2',
    ]);
    expect(dockerRunCommand({ ...spec, deleteEnabled: true })).toContain('REGISTRY_STORAGE_DELETE_ENABLED=true');
  });

  it('asks the engine for the same container', () => {
    const opts = containerCreateOptions({ ...spec, port: 5123, deleteEnabled: true });
    expect(opts).toEqual({
      name: 'registry',
      Image: 'registry:2',
      Env: ['REGISTRY_STORAGE_DELETE_ENABLED=true'],
      Labels: { 'dev.multiarch-lab.managed': 'true', 'dev.multiarch-lab.role': 'registry' },
      ExposedPorts: { '5000/tcp': {} },
      HostConfig: {
        PortBindings: { '5000/tcp': [{ HostPort: '5123' }] },
        RestartPolicy: { Name: 'always' },
        Mounts: [{ Type: 'volume', Source: 'registry_data', Target: '/var/lib/registry' }],
      },
    });
  });

});

describe('outputs the engine sends back', () => {
  it('reads the closing line of registry garbage-collect', () => {
    const out = 'lab/busybox\nlab/busybox: marking manifest sha256:1\n\n10 blobs marked, 1 blobs and 0 manifests eligible for deletion\nblob eligible for deletion: sha256:a3ed';
    expect(parseGcSummary(out)).toEqual({ blobsMarked: 10, blobsEligible: 1, manifestsEligible: 0 });
    expect(parseGcSummary('failed to garbage collect')).toEqual({ blobsMarked: null, blobsEligible: null, manifestsEligible: null });
  });

});

describe('channel inputs', () => {
  it('are strict and use the shared name, port and image rules', () => {
    expect(RegistryUpInput.safeParse({ name: 'registry', port: 5000, volume: 'registry_data', image: 'registry:2', deleteEnabled: true }).success).toBe(true);
    expect(RegistryUpInput.safeParse({}).success).toBe(true);
    expect(RegistryUpInput.safeParse({ port: 0 }).success).toBe(false);
    expect(RegistryUpInput.safeParse({ name: '-x' }).success).toBe(false);
    expect(RegistryUpInput.safeParse({ image: 'a b' }).success).toBe(false);
    expect(RegistryUpInput.safeParse({ restart: 'no' }).success).toBe(false);
    expect(RegistryDownInput.safeParse({ removeVolume: true, volume: 'registry_data' }).success).toBe(true);
    expect(RegistryDownInput.safeParse({ removeVolume: 1 }).success).toBe(false);
    expect(RegistryVolumeUsageInput.safeParse({ volume: '../x' }).success).toBe(false);
    expect(RegistryGcInput.safeParse({ dryRun: true, deleteUntagged: true }).success).toBe(true);
  });
});
