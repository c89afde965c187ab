import { describe, expect, test } from 'vitest';
import { garbageCollectArgs, registryGcCommand, registryGcCommands } from '../../../core/commands/registry.js';
import { registryGcPreview } from '../../../renderer/src/views/registry-commands.js';

describe('registry garbage collection commands', () => {
  test('the collector never gets --delete-untagged (it would break multi-platform images)', () => {
    expect(garbageCollectArgs()).toEqual(['/bin/registry', 'garbage-collect', '/etc/docker/registry/config.yml']);
    expect(garbageCollectArgs({ program: '/usr/bin/docker-registry', config: '/etc/r.yaml' }, { dryRun: true })).toEqual(['/usr/bin/docker-registry', 'garbage-collect', '--dry-run', '/etc/r.yaml']);
    expect(garbageCollectArgs({}, { dryRun: true, deleteUntagged: true } as never)).not.toContain('--delete-untagged');
  });

  test('the collector runs beside the registry, on its volumes, with its image', () => {
    expect(registryGcCommand('reg', 'registry:2')).toEqual(['docker', 'run', '--rm', '--volumes-from', 'reg', '--entrypoint', '/bin/registry', 'registry:2', 'garbage-collect', '/etc/docker/registry/config.yml']);
  });

  test('by hand: stop, collect, start; a dry run leaves the registry serving', () => {
    const collect = registryGcCommand('reg', 'registry:2');
    expect(registryGcCommands('reg', 'registry:2')).toEqual([['docker', 'stop', 'reg'], collect, ['docker', 'start', 'reg']]);
    expect(registryGcCommands('reg', 'registry:2', {}, { dryRun: true })).toEqual([registryGcCommand('reg', 'registry:2', {}, { dryRun: true })]);
  });

  test('the Registry view shows the collector the core read from the container, between stop and start', () => {
    const own = ['docker', 'run', '--rm', '--volumes-from', 'reg', '--entrypoint', '/usr/bin/docker-registry', 'my/registry', 'garbage-collect', '/etc/r.yaml'];
    expect(registryGcPreview({ name: 'reg', image: 'my/registry', gcCommand: own })).toEqual([['docker', 'stop', 'reg'], own, ['docker', 'start', 'reg']]);
    expect(registryGcPreview({ name: 'reg', image: 'registry:2' })).toEqual(registryGcCommands('reg', 'registry:2'));
  });
});
