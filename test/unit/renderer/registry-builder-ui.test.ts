import { describe, expect, it } from 'vitest';
import type { IndexNode, ManifestNode } from '../../../core/contract/registry.js';
import type { RegistryStatus } from '../../../core/contract/registry-lifecycle.js';
import { initiallyExpanded, mediaTypeWords, nodeId, nodeTitle, prettyJson, shortDigest } from '../../../renderer/src/components/manifest-tree-model.js';
import { browseAddress, imageRef, suggestedPortOf } from '../../../renderer/src/store/registry-slice.js';
import { appendCommand, createCommands, parseDriverOpts, splitList } from '../../../renderer/src/views/builder-commands.js';
import { registryRemoveCommands } from '../../../core/commands/registry.js';
import { lossSentence, parsePort, registryRunPreview as registryRunCommand } from '../../../renderer/src/views/registry-commands.js';

const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

function manifest(over: Partial<ManifestNode>): ManifestNode {
  return { kind: 'manifest', mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d(1), size: 500, role: 'platform', layers: [], totalSize: 0, ...over };
}

describe('manifest tree names', () => {
  const amd64 = manifest({ digest: d(1), platform: { os: 'linux', architecture: 'amd64' }, platformLabel: 'linux/amd64' });
  const armv7 = manifest({ digest: d(2), platform: { os: 'linux', architecture: 'arm', variant: 'v7' } });
  const attestation = manifest({ digest: d(3), role: 'attestation', platform: { os: 'unknown', architecture: 'unknown' }, platformLabel: 'attestation for sha256:111…', attests: d(1) });
  const orphan = manifest({ digest: d(4), role: 'attestation', attests: d(9) });
  const siblings = [amd64, armv7, attestation, orphan];

  it('names a platform by os/arch/variant', () => {
    expect(nodeTitle(amd64, siblings)).toBe('linux/amd64');
    expect(nodeTitle(armv7, siblings)).toBe('linux/arm/v7');
  });

  it('names an attestation after the platform it describes, never unknown/unknown', () => {
    expect(nodeTitle(attestation, siblings)).toBe('attestation for linux/amd64');
    expect(nodeTitle(orphan, siblings)).toBe(`attestation for ${shortDigest(d(9))}`);
    expect(nodeTitle(manifest({ role: 'attestation' }), [])).toBe('attestation');
  });

  it('calls an index an index, and says its media type in words', () => {
    const index: IndexNode = { kind: 'index', role: 'index', mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', digest: d(5), size: 900, children: siblings };
    expect(nodeTitle(index, [])).toBe('Index');
    expect(mediaTypeWords(index.mediaType)).toBe('Docker manifest list');
    expect(mediaTypeWords('application/x-unheard-of')).toBe('application/x-unheard-of');
  });

  it('opens the root and the insides of every platform, but not the platforms themselves', () => {
    const index: IndexNode = { kind: 'index', role: 'index', mediaType: 'application/vnd.oci.image.index.v1+json', digest: d(5), size: 900, children: [amd64, armv7] };
    const open = initiallyExpanded(index);
    const amdId = nodeId(['0'], amd64);
    expect(open.has(nodeId([], index))).toBe(true);
    expect(open.has(amdId)).toBe(false);
    expect(open.has(`${amdId}/config`)).toBe(true);
    expect(open.has(`${amdId}/layers`)).toBe(true);
    // A single image has nothing above it: it starts open.
    expect(initiallyExpanded(amd64).has(nodeId([], amd64))).toBe(true);
  });

  it('shortens digests and indents JSON, leaving what does not parse as it came', () => {
    expect(shortDigest(`sha256:${'ab'.repeat(32)}`)).toBe('sha256:abababababab');
    expect(prettyJson('{"a":[1]}')).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(prettyJson('not json')).toBe('not json');
  });
});

describe('registry commands and words', () => {
  it('builds the classic docker run line, with deletes when asked', () => {
    const base = { name: 'registry', port: 5000, volume: 'registry_data', image: 'registry:2', deleteEnabled: false };
    expect(registryRunCommand(base).join(' ')).toBe('docker run -d -p 5000:5000 --restart=always --name registry -v registry_data:/var/lib/registry --label dev.multiarch-lab.managed=true --label dev.multiarch-lab.role=registry registry:2');
    expect(registryRunCommand({ ...base, port: 5123 })).toContain('5123:5000');
    expect(registryRunCommand({ ...base, deleteEnabled: true })).toContain('REGISTRY_STORAGE_DELETE_ENABLED=true');
    expect(registryRemoveCommands('r', 'v', false)).toEqual([['docker', 'rm', '-f', 'r']]);
    expect(registryRemoveCommands('r', 'v', true)).toEqual([
      ['docker', 'rm', '-f', 'r'],
      ['docker', 'volume', 'rm', 'v'],
    ]);
  });

  it.each([
    ['5000', 5000],
    [' 5001 ', 5001],
    ['0', null],
    ['65536', null],
    ['50a', null],
    ['', null],
  ])('reads the port %j as %j', (text, port) => {
    expect(parsePort(text)).toBe(port);
  });

  it('says how much data and which repositories go with the volume', () => {
    const usage = { volume: 'v', exists: true, sizeBytes: 3_015_998, repositories: ['e2e/busybox'], repositoriesFrom: 'registry' as const, usedBy: [] };
    expect(lossSentence(usage)).toBe('This deletes 3.0 MB (3,015,998 bytes) and 1 repository: e2e/busybox.');
    expect(lossSentence({ ...usage, repositories: [] })).toContain('it holds no repositories');
    expect(lossSentence({ ...usage, sizeBytes: null, repositories: null })).toBe('This deletes an unknown amount of data; the repositories in it could not be listed.');
  });

  it('takes the suggested port only from a well-formed port-taken error', () => {
    expect(suggestedPortOf({ code: 'port-taken', details: { port: 5000, suggestedPort: 5001 } })).toBe(5001);
    expect(suggestedPortOf({ code: 'port-taken', details: { suggestedPort: null } })).toBeUndefined();
    expect(suggestedPortOf({ code: 'port-taken', details: { suggestedPort: 70000 } })).toBeUndefined();
    expect(suggestedPortOf(new Error('x'))).toBeUndefined();
  });

  it('browses only a running registry with a published address', () => {
    const running: RegistryStatus = {
      exists: true,
      name: 'r',
      containerId: 'c',
      image: 'registry:2',
      isRegistry: true,
      state: 'running',
      running: true,
      restartPolicy: 'always',
      address: 'localhost:5000',
      port: 5000,
      volume: null,
      health: null,
      repositories: 0,
      deleteEnabled: false,
      managed: true,
      startedAt: null,
    };
    expect(browseAddress(running)).toBe('localhost:5000');
    expect(browseAddress({ ...running, running: false, state: 'exited' } as RegistryStatus)).toBeNull();
    expect(browseAddress({ ...running, address: null })).toBeNull();
    expect(browseAddress({ ...running, isRegistry: false, image: 'busybox' })).toBeNull();
    expect(browseAddress({ exists: false, name: 'r', message: 'm', hint: 'h' })).toBeNull();
    expect(imageRef('localhost:5000', 'e2e/busybox', '1')).toBe('localhost:5000/e2e/busybox:1');
  });
});

describe('builder commands', () => {
  it('shows create with the host network, then the bootstrap, as asked', () => {
    const draft = { name: 'mybuilder', hostNetwork: true, insecure: '', use: true, bootstrap: true };
    expect(createCommands(draft).map((c) => c.join(' '))).toEqual([
      'docker buildx create --name mybuilder --driver docker-container --driver-opt network=host',
      'docker buildx use mybuilder',
      'docker buildx inspect --bootstrap mybuilder',
    ]);
    expect(createCommands({ ...draft, hostNetwork: false, use: false, bootstrap: false }).map((c) => c.join(' '))).toEqual([
      'docker buildx create --name mybuilder --driver docker-container',
    ]);
  });

  it('splits pasted lists on commas, spaces and new lines', () => {
    expect(splitList(' 192.168.1.20:5000,registry.localhost:5000\n  other:1 ,')).toEqual(['192.168.1.20:5000', 'registry.localhost:5000', 'other:1']);
    expect(splitList('   ')).toEqual([]);
  });

  it('appends a node with its name and pinned platforms before the endpoint', () => {
    expect(appendCommand({ builder: 'mybuilder', endpoint: 'ssh://pi@raspberrypi.local', node: 'pi', platforms: 'linux/arm64, linux/arm/v7' })).toEqual([
      'docker',
      'buildx',
      'create',
      '--append',
      '--name',
      'mybuilder',
      '--node',
      'pi',
      '--platform',
      'linux/arm64,linux/arm/v7',
      'ssh://pi@raspberrypi.local',
    ]);
  });

  it('the append form\'s driver options: key=value items, shown as --driver-opt in the command', () => {
    expect(parseDriverOpts('network=host, env.BUILDKIT_STEP_LOG_MAX_SIZE=1000')).toEqual({ network: 'host', 'env.BUILDKIT_STEP_LOG_MAX_SIZE': '1000' });
    // an item without "=" is kept so the contract's validation names it instead of it vanishing
    expect(parseDriverOpts('network')).toEqual({ network: '' });
    expect(appendCommand({ builder: 'b', endpoint: 'mal-n2', node: 'n2', platforms: 'linux/arm64', driverOpts: 'network=host' })).toEqual([
      'docker', 'buildx', 'create', '--append', '--name', 'b', '--node', 'n2', '--driver-opt', 'network=host', '--platform', 'linux/arm64', 'mal-n2',
    ]);
  });
});
