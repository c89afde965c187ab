import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fixture as readFixture } from '../../helpers/fixtures.js';
import { parsePlatform, platformMatches } from '../../../core/platform.js';
import type { AppError } from '../../../core/contract/errors.js';
import type { IndexNode, ManifestNode } from '../../../core/contract/registry.js';
import {
  buildManifestNode,
  classifyIndexEntry,
  createIndex,
  markSharedLayers,
  mapLimit,
  MediaTypes,
  mediaTypeOfManifest,
  parseManifestDocument,
  summarizeConfig,
  type IndexEntry,
} from '../../../core/registry/manifest.js';

// captured from a real registry: the provisioned busybox list, and a buildx build with provenance
const fixture = (name: string) => readFixture('registry', name);
const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

function nodeFromFixture(entry: IndexEntry, manifestFile: string, configFile?: string): ManifestNode {
  const text = fixture(manifestFile);
  const { role, attests } = classifyIndexEntry(entry);
  return buildManifestNode({
    descriptor: { mediaType: entry.mediaType, digest: entry.digest, size: entry.size },
    role,
    ...(entry.platform ? { platform: entry.platform } : {}),
    ...(attests ? { attests } : {}),
    text,
    json: JSON.parse(text),
    ...(configFile ? { config: { text: fixture(configFile), json: JSON.parse(fixture(configFile)) } } : {}),
  });
}

function indexFromFixture(file: string, children: ManifestNode[]): IndexNode {
  const text = fixture(file);
  return { kind: 'index', role: 'index', mediaType: JSON.parse(text).mediaType, digest: sha(text), size: text.length, children, raw: text };
}

describe('the tree of a Docker manifest list (busybox, three platforms)', () => {
  const list = parseManifestDocument(MediaTypes.dockerManifestList, JSON.parse(fixture('busybox-list.json')));
  if (list.kind !== 'index') throw new Error('fixture is an index');
  const [amd64, arm64, armv7] = list.manifests as [IndexEntry, IndexEntry, IndexEntry];
  const children = [
    nodeFromFixture(amd64, 'busybox-amd64-manifest.json', 'busybox-amd64-config.json'),
    nodeFromFixture(arm64, 'busybox-arm64-manifest.json', 'busybox-arm64-config.json'),
    nodeFromFixture(armv7, 'busybox-armv7-manifest.json', 'busybox-armv7-config.json'),
  ];
  const root = indexFromFixture('busybox-list.json', children);
  const shared = markSharedLayers(root);

  it('has one platform node per entry, labelled os/arch/variant', () => {
    expect(children.map((c) => c.platformLabel)).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
    expect(children.every((c) => c.role === 'platform')).toBe(true);
  });

  it('keeps the digests of the index entries, which are the sha256 of the manifests served', () => {
    expect(children[0]!.digest).toBe(sha(fixture('busybox-amd64-manifest.json')));
    expect(children[2]!.digest).toBe(sha(fixture('busybox-armv7-manifest.json')));
  });

  it('reads each config: architecture, variant, cmd, env, created', () => {
    expect(children[1]!.config?.summary?.architecture).toBe('arm64');
    expect(children[2]!.config?.summary).toMatchObject({ architecture: 'arm', variant: 'v7', os: 'linux', cmd: ['/bin/sh'], entrypoint: null });
    expect(children[0]!.config?.summary?.env).toContain('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    expect(children[0]!.config?.summary?.created).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(children[0]!.config?.raw).toBe(fixture('busybox-amd64-config.json'));
  });

  it('adds config and layer sizes into a total per platform', () => {
    expect(children[0]!.totalSize).toBe(910 + 1064621);
    expect(children[2]!.totalSize).toBe(928 + 914889);
  });

  it('marks no layer shared when every platform has its own', () => {
    expect(shared).toEqual([]);
    expect(children.flatMap((c) => c.layers).some((l) => l.shared)).toBe(false);
  });

  it('keeps the raw JSON of each node', () => {
    expect(root.raw).toBe(fixture('busybox-list.json'));
    expect(JSON.parse(children[1]!.raw!).config.digest).toBe(children[1]!.config!.digest);
  });
});

describe('the tree of an OCI index with attestations and a shared layer', () => {
  const index = parseManifestDocument(MediaTypes.ociIndex, JSON.parse(fixture('attested-index.json')));
  if (index.kind !== 'index') throw new Error('fixture is an index');
  const [amd64, arm64, att1, att2] = index.manifests as [IndexEntry, IndexEntry, IndexEntry, IndexEntry];
  const children = [
    nodeFromFixture(amd64, 'attested-amd64-manifest.json', 'attested-amd64-config.json'),
    nodeFromFixture(arm64, 'attested-arm64-manifest.json', 'attested-arm64-config.json'),
    nodeFromFixture(att1, 'attested-attestation-manifest.json'),
    nodeFromFixture(att2, 'attested-attestation-manifest.json'),
  ];
  const root = indexFromFixture('attested-index.json', children);
  const shared = markSharedLayers(root);

  it('shows attestation entries as attestations, not unknown/unknown platforms', () => {
    expect(children.map((c) => c.role)).toEqual(['platform', 'platform', 'attestation', 'attestation']);
    expect(children[2]!.attests).toBe(amd64.digest);
    expect(children[3]!.attests).toBe(arm64.digest);
    expect(children[2]!.platformLabel).toMatch(/^attestation/);
    expect(children[2]!.platformLabel).not.toContain('unknown');
  });

  it('marks the layer both platforms hold as shared, naming the other platform', () => {
    expect(shared).toEqual(['sha256:af8b21303a967dae1fdbb2b5fcd73f1268df4ed7ff1a7d83b7926168d73ee60c']);
    expect(children[0]!.layers[0]).toMatchObject({ shared: true, sharedWith: ['linux/arm64'] });
    expect(children[1]!.layers[0]).toMatchObject({ shared: true, sharedWith: ['linux/amd64'] });
    // attestation layers are in-toto statements, never counted as shared image layers
    expect(children[2]!.layers[0]!.shared).toBe(false);
  });
});

describe('classifyIndexEntry', () => {
  it.each([
    [{ platform: { os: 'linux', architecture: 'arm64' } }, 'platform'],
    [{ platform: { os: 'unknown', architecture: 'unknown' } }, 'attestation'],
    [{ platform: { os: 'linux', architecture: 'amd64' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } }, 'attestation'],
    [{}, 'platform'],
  ])('%j is a %s', (entry, role) => {
    expect(classifyIndexEntry(entry).role).toBe(role);
  });
});

describe('platforms', () => {
  it.each([
    ['linux/arm64', { os: 'linux', architecture: 'arm64' }, true],
    ['linux/arm64', { os: 'linux', architecture: 'arm64', variant: 'v8' }, true],
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64' }, true],
    ['linux/arm/v7', { os: 'linux', architecture: 'arm', variant: 'v7' }, true],
    ['linux/arm/v6', { os: 'linux', architecture: 'arm', variant: 'v7' }, false],
    ['linux/arm', { os: 'linux', architecture: 'arm', variant: 'v7' }, true],
    ['linux/amd64', { os: 'linux', architecture: 'arm64' }, false],
    ['windows/amd64', { os: 'linux', architecture: 'amd64' }, false],
  ])('%s matches %j: %s', (wanted, image, ok) => {
    expect(platformMatches(image, parsePlatform(wanted))).toBe(ok);
  });

  it('refuses a platform without an architecture', () => {
    expect(() => parsePlatform('linux')).toThrow(/not a platform/);
  });
});

describe('createIndex', () => {
  const entries = [
    { digest: `sha256:${'1'.repeat(64)}`, size: 502, mediaType: MediaTypes.dockerManifest, platform: 'linux/amd64' },
    { digest: `sha256:${'2'.repeat(64)}`, size: 501, mediaType: MediaTypes.dockerManifest, platform: 'linux/arm/v7' },
  ];

  it('builds an OCI index by default, each entry with its platform', () => {
    const idx = createIndex(entries);
    expect(idx.mediaType).toBe(MediaTypes.ociIndex);
    const parsed = JSON.parse(idx.text);
    expect(parsed).toEqual({
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        { mediaType: MediaTypes.dockerManifest, digest: entries[0]!.digest, size: 502, platform: { architecture: 'amd64', os: 'linux' } },
        { mediaType: MediaTypes.dockerManifest, digest: entries[1]!.digest, size: 501, platform: { architecture: 'arm', os: 'linux', variant: 'v7' } },
      ],
    });
    // what we build, we can read back
    expect(parseManifestDocument(idx.mediaType, parsed).kind).toBe('index');
  });

  it('builds a Docker manifest list on request', () => {
    const idx = createIndex(entries, { format: 'docker' });
    expect(idx.mediaType).toBe(MediaTypes.dockerManifestList);
    expect(JSON.parse(idx.text).mediaType).toBe(MediaTypes.dockerManifestList);
  });

  it('carries attestation entries with their annotations in an OCI index', () => {
    const idx = createIndex([
      ...entries,
      {
        digest: `sha256:${'3'.repeat(64)}`,
        size: 565,
        mediaType: MediaTypes.ociManifest,
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': entries[0]!.digest },
      },
    ]);
    expect((idx.json.manifests as unknown[]).length).toBe(3);
  });

  it.each([
    ['no entries', [], {}, /at least one/],
    ['a bad digest', [{ ...entries[0]!, digest: 'sha256:abc' }], {}, /not a digest/],
    ['a zero size', [{ ...entries[0]!, size: 0 }], {}, /size/],
    ['a layer media type', [{ ...entries[0]!, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }], {}, /not a manifest media type/],
    ['a duplicate platform', [entries[0]!, { ...entries[1]!, platform: 'linux/amd64' }], {}, /Two entries claim the platform linux\/amd64/],
    ['annotations on a Docker list', entries, { format: 'docker' as const, annotations: { a: 'b' } }, /cannot carry annotations/],
    ['a Docker list entry without platform', [{ ...entries[0]!, platform: undefined }], { format: 'docker' as const }, /needs one per entry/],
  ])('refuses %s', (_what, list, options, message) => {
    expect(() => createIndex(list, options)).toThrow(message);
  });
});

describe('mediaTypeOfManifest and parseManifestDocument', () => {
  it('prefers the body mediaType, then Content-Type, then the shape', () => {
    expect(mediaTypeOfManifest('application/json', { mediaType: MediaTypes.ociIndex })).toBe(MediaTypes.ociIndex);
    expect(mediaTypeOfManifest(`${MediaTypes.dockerManifest}; charset=utf-8`, {})).toBe(MediaTypes.dockerManifest);
    expect(mediaTypeOfManifest(null, { schemaVersion: 2, manifests: [] })).toBe(MediaTypes.ociIndex);
    expect(mediaTypeOfManifest(null, { schemaVersion: 2, config: {}, layers: [] })).toBe(MediaTypes.ociManifest);
    expect(mediaTypeOfManifest('application/vnd.docker.distribution.manifest.v1+prettyjws', { schemaVersion: 1 })).toBe(
      'application/vnd.docker.distribution.manifest.v1+prettyjws',
    );
  });

  it('names the broken field of a malformed manifest', () => {
    try {
      parseManifestDocument(MediaTypes.ociManifest, { schemaVersion: 2, config: { digest: 'nope', size: 1, mediaType: 'x' }, layers: [] }, 'app:1');
      expect.unreachable();
    } catch (error) {
      expect((error as AppError).code).toBe('registry-error');
      expect((error as AppError).message).toMatch(/app:1 claims to be .* \(config\.digest: not a digest\)/);
    }
  });

  it('refuses schema 1 manifests as unsupported', () => {
    expect(() => parseManifestDocument('application/vnd.docker.distribution.manifest.v1+prettyjws', {})).toThrow(/does not read/);
  });
});

describe('summarizeConfig', () => {
  it('tolerates a config without the inner config block', () => {
    expect(summarizeConfig({ architecture: 'riscv64', os: 'linux' })).toEqual({ architecture: 'riscv64', os: 'linux', entrypoint: null, cmd: null, env: [] });
    expect(summarizeConfig(null).architecture).toBe('unknown');
  });
  it('reads entrypoint, user, workdir and labels', () => {
    const s = summarizeConfig({ architecture: 'amd64', os: 'linux', config: { Entrypoint: ['/app'], User: '1000', WorkingDir: '/srv', Labels: { a: 'b' } } });
    expect(s).toMatchObject({ entrypoint: ['/app'], user: '1000', workingDir: '/srv', labels: { a: 'b' } });
  });
});

describe('mapLimit', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (ms, i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, ms * 3));
      running--;
      return i * 10;
    });
    expect(out).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(peak).toBe(3);
  });
});
