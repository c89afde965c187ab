/**
 * The registry client against the real distribution registry (run as a process, seeded by a real
 * `docker push` of a three-platform image), and against a fake server for the failures a real
 * registry will not produce on demand.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../core/contract/errors.js';
import type { ManifestNode } from '../../core/contract/registry.js';
import { deleteImage, listRepositories, listTags, RegistryClient } from '../../core/registry/client.js';
import { createIndex, inspectImage, inspectReference, MediaTypes } from '../../core/registry/manifest.js';
import { RegistryCatalogInput, RegistryDeleteInput, RegistryInspectInput, RegistryTagsInput } from '../../core/contract/registry.js';
import { CATALOG, FAKE_PASSWORD, FAKE_USER, GOOD_MANIFEST_DIGEST, PAGED_TAGS, startFakeRegistry, type FakeRegistry } from '../helpers/fake-registry.js';
import { docker, freePort, seedMultiArchImage, startRegistryProcess, type RegistryProcess, type SeededImage } from '../helpers/registry-process.js';

const TEST_LABEL = 'dev.multiarch-lab.test=registry-client';
const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

async function expectAppError(promise: Promise<unknown>, code: string, message: RegExp, hint?: RegExp): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    const e = error as AppError;
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    if (hint) expect(e.hint).toMatch(hint);
    return e;
  }
  throw new Error(`expected an AppError ${code}, but the call succeeded`);
}

describe('against a real registry with a pushed multi-arch index (deletes disabled)', () => {
  let registry: RegistryProcess;
  let seeded: SeededImage;
  let client: RegistryClient;
  let ref: string;

  beforeAll(async () => {
    registry = await startRegistryProcess({ deleteEnabled: false });
    seeded = await seedMultiArchImage(registry, 'test/busybox', '1');
    await seedMultiArchImage(registry, 'test/other', 'latest');
    client = new RegistryClient({ registry: registry.address });
    ref = `${registry.address}/test/busybox:1`;
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('pings the v2 API over plain HTTP on loopback', async () => {
    expect(client.baseUrl).toBe(`http://${registry.address}`);
    expect(await client.ping()).toEqual({ ok: true, status: 200, apiVersionHeader: 'registry/2.0', authRequired: false });
  });

  it('lists the catalog one entry per page by following Link headers', async () => {
    expect(await client.catalog({ pageSize: 1 })).toEqual({ items: ['test/busybox', 'test/other'], truncated: false });
    expect(await client.catalog({ pageSize: 1, limit: 1 })).toEqual({ items: ['test/busybox'], truncated: true });
  });

  it('gets the Docker manifest list that docker push wrote, its digest checked', async () => {
    const m = await client.getManifest('test/busybox', '1');
    expect(m.mediaType).toBe(MediaTypes.dockerManifestList);
    expect(m.digest).toBe(seeded.digest);
    expect(sha(m.text)).toBe(seeded.digest);
    const head = await client.headManifest('test/busybox', '1');
    expect(head).toEqual({ digest: seeded.digest, mediaType: MediaTypes.dockerManifestList, size: m.size });
  });

  it('inspects the index into linux/amd64, linux/arm64 and linux/arm/v7 with their configs and layers', async () => {
    const result = await inspectImage(client, ref);
    expect(result.digest).toBe(seeded.digest);
    expect(result.root.kind).toBe('index');
    expect(result.platforms).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
    const children = (result.root.kind === 'index' ? result.root.children : []) as ManifestNode[];
    expect(children.map((c) => c.error)).toEqual([undefined, undefined, undefined]);
    expect(children.map((c) => c.mediaType)).toEqual([MediaTypes.dockerManifest, MediaTypes.dockerManifest, MediaTypes.dockerManifest]);
    expect(children.map((c) => [c.config?.summary?.os, c.config?.summary?.architecture, c.config?.summary?.variant])).toEqual([
      ['linux', 'amd64', undefined],
      ['linux', 'arm64', undefined],
      ['linux', 'arm', 'v7'],
    ]);
    for (const c of children) {
      expect(sha(c.raw!)).toBe(c.digest);
      expect(sha(c.config!.raw!)).toBe(c.config!.digest);
      expect(c.config?.summary?.cmd).toEqual(['/bin/sh']);
      expect(c.layers.length).toBeGreaterThan(0);
      expect(c.totalSize).toBe(c.config!.size + c.layers.reduce((s, l) => s + l.size, 0));
      // the busybox binary differs per architecture: nothing is shared
      expect(c.layers.every((l) => !l.shared)).toBe(true);
    }
    expect(result.commands.raw).toEqual(['docker', 'buildx', 'imagetools', 'inspect', '--raw', ref]);
  });

  it('lists the same manifests, byte for byte, as docker buildx imagetools inspect --raw', async () => {
    const { stdout } = await docker(['buildx', 'imagetools', 'inspect', '--raw', `${registry.localhostAddress}/test/busybox:1`]);
    const result = await inspectImage(client, ref);
    expect(sha(stdout)).toBe(result.digest);
    const theirs = (JSON.parse(stdout) as { manifests: Array<{ digest: string }> }).manifests.map((m) => m.digest);
    const ours = result.root.kind === 'index' ? result.root.children.map((c) => c.digest) : [];
    expect(ours).toEqual(theirs);
  });

  it('expands only the asked platform, and names the ones that exist when it is missing', async () => {
    const arm = await inspectImage(client, ref, { platform: 'linux/arm/v7' });
    expect(arm.platforms).toEqual(['linux/arm/v7']);
    const e = await expectAppError(inspectImage(client, ref, { platform: 'linux/s390x' }), 'not-found', /has no linux\/s390x image/, /linux\/amd64, linux\/arm64, linux\/arm\/v7/);
    expect(e.details).toEqual({ available: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'] });
  });

  it('writes and reads an OCI manifest and an OCI index built with createIndex', async () => {
    const list = await client.getManifest('test/busybox', '1');
    const [amd64, arm64] = (list.json as { manifests: Array<{ digest: string; size: number; mediaType: string }> }).manifests;
    const dockerAmd64 = await client.getManifest('test/busybox', amd64!.digest);
    const oci = JSON.parse(dockerAmd64.text) as { mediaType: string; config: { mediaType: string }; layers: Array<{ mediaType: string }> };
    oci.mediaType = MediaTypes.ociManifest;
    oci.config.mediaType = MediaTypes.ociConfig;
    for (const l of oci.layers) l.mediaType = 'application/vnd.oci.image.layer.v1.tar+gzip';
    const ociText = JSON.stringify(oci);
    const put = await client.putManifest('test/busybox', 'oci-amd64', MediaTypes.ociManifest, ociText);
    expect(put.digest).toBe(sha(ociText));

    const index = createIndex([
      { digest: put.digest, size: Buffer.byteLength(ociText), mediaType: MediaTypes.ociManifest, platform: 'linux/amd64' },
      { digest: arm64!.digest, size: arm64!.size, mediaType: arm64!.mediaType, platform: 'linux/arm64' },
    ]);
    const putIndex = await client.putManifest('test/busybox', 'oci-index', index.mediaType, index.text);

    const got = await client.getManifest('test/busybox', 'oci-index');
    expect(got.mediaType).toBe(MediaTypes.ociIndex);
    expect(got.digest).toBe(putIndex.digest);
    const tree = await inspectImage(client, `${registry.address}/test/busybox:oci-index`);
    expect(tree.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    const kids = (tree.root.kind === 'index' ? tree.root.children : []) as ManifestNode[];
    expect(kids[0]!.mediaType).toBe(MediaTypes.ociManifest);
    expect(kids[0]!.config?.summary?.architecture).toBe('amd64');
    expect(kids[1]!.config?.summary?.architecture).toBe('arm64');

    expect((await client.tags('test/busybox', { pageSize: 1 })).items.sort()).toEqual(['1', 'oci-amd64', 'oci-index']);
  });

  it('reads a config blob and checks its digest', async () => {
    const m = await client.getManifest('test/busybox', '1');
    const arm = (m.json as { manifests: Array<{ digest: string }> }).manifests[1]!;
    const manifest = await client.getManifest('test/busybox', arm.digest);
    const configDigest = (manifest.json as { config: { digest: string } }).config.digest;
    const blob = await client.getBlobJson('test/busybox', configDigest);
    expect(blob.digest).toBe(configDigest);
    expect((blob.json as { architecture: string }).architecture).toBe('arm64');
  });

  it('says clearly when a tag or a repository does not exist', async () => {
    await expectAppError(client.getManifest('test/busybox', 'nope'), 'not-found', /test\/busybox:nope/, /tags/);
    await expectAppError(client.tags('test/missing'), 'not-found', /Repository not found.*test\/missing/, /ls/);
  });

  it('answers the registry-browser channel handlers with validated inputs', async () => {
    const catalog = await listRepositories(RegistryCatalogInput.parse({ registry: registry.address }));
    expect(catalog).toEqual({ registry: registry.address, repositories: ['test/busybox', 'test/other'], truncated: false });
    const tags = await listTags(RegistryTagsInput.parse({ registry: registry.localhostAddress, repository: 'test/other' }));
    expect(tags).toEqual({ registry: registry.localhostAddress, repository: 'test/other', tags: ['latest'], truncated: false });
    const inspected = await inspectReference(RegistryInspectInput.parse({ reference: `${registry.localhostAddress}/test/other`, platform: 'linux/arm64' }));
    expect(inspected.platforms).toEqual(['linux/arm64']);
    expect(inspected.tag).toBe('latest');
    expect(inspected.digest).toBe(seeded.digest);
  });

  it('refuses to delete when the registry does not allow deletes, saying how to enable them', async () => {
    await expectAppError(deleteImage(RegistryDeleteInput.parse({ reference: `${registry.address}/test/other:latest` })), 'unsupported', /does not allow deletes/, /REGISTRY_STORAGE_DELETE_ENABLED/);
    await expectAppError(client.deleteManifest('test/busybox', seeded.digest), 'unsupported', /This registry does not allow deletes/, /REGISTRY_STORAGE_DELETE_ENABLED=true/);
    expect((await client.getManifest('test/busybox', '1')).digest).toBe(seeded.digest);
  });

  it('shows buildx attestations as attestations and marks the layer two platforms share', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-attest-'));
    const target = `${registry.localhostAddress}/test/attested:1`;
    try {
      await writeFile(path.join(dir, 'hello.txt'), 'the same file on every platform\n');
      await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\n');
      await docker(['buildx', 'build', '--builder', 'default', '--platform', 'linux/amd64,linux/arm64', '--provenance=mode=min', '--label', TEST_LABEL, '-t', target, '--push', dir]);
    } finally {
      await docker(['image', 'rm', target]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
    const result = await inspectImage(client, `${registry.address}/test/attested:1`);
    expect(result.root.mediaType).toBe(MediaTypes.ociIndex);
    expect(result.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    const kids = (result.root.kind === 'index' ? result.root.children : []) as ManifestNode[];
    const attestations = kids.filter((k) => k.role === 'attestation');
    expect(attestations).toHaveLength(2);
    expect(attestations.map((a) => a.attests).sort()).toEqual(kids.filter((k) => k.role === 'platform').map((k) => k.digest).sort());
    expect(attestations.every((a) => !a.platformLabel?.includes('unknown'))).toBe(true);
    expect(result.sharedLayers).toHaveLength(1);
    const platforms = kids.filter((k) => k.role === 'platform');
    expect(platforms.map((p) => p.layers[0]!.sharedWith)).toEqual([['linux/arm64'], ['linux/amd64']]);
  });
});

describe('against a real registry with deletes enabled', () => {
  let registry: RegistryProcess;

  beforeAll(async () => {
    registry = await startRegistryProcess({ deleteEnabled: true });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('deletes a tag: the manifest is gone afterwards', async () => {
    const seeded = await seedMultiArchImage(registry, 'test/deleteme', '1');
    const client = new RegistryClient({ registry: registry.address });
    const { digest } = await client.deleteTag('test/deleteme', '1');
    expect(digest).toBe(seeded.digest);
    await expectAppError(client.getManifest('test/deleteme', '1'), 'not-found', /test\/deleteme:1/);
    await expectAppError(client.getManifest('test/deleteme', seeded.digest), 'not-found', /test\/deleteme/);
    expect((await client.tags('test/deleteme')).items).toEqual([]);
  });

  it('deletes by digest through the channel handler', async () => {
    const seeded = await seedMultiArchImage(registry, 'test/bydigest', '1');
    expect(await deleteImage({ reference: `${registry.address}/test/bydigest@${seeded.digest}` })).toEqual({ repository: 'test/bydigest', digest: seeded.digest });
    await expectAppError(inspectReference({ reference: `${registry.address}/test/bydigest:1` }), 'not-found', /test\/bydigest:1/);
  });

  it('refuses to delete by tag through deleteManifest, which needs a digest', async () => {
    const client = new RegistryClient({ registry: registry.address });
    await expectAppError(client.deleteManifest('test/deleteme', 'latest'), 'invalid-input', /deleted by digest/);
  });
});

describe('when nothing listens', () => {
  it('says the connection was refused and asks whether the registry is running', async () => {
    const port = await freePort();
    const client = new RegistryClient({ registry: `localhost:${port}` });
    await expectAppError(client.ping(), 'registry-error', new RegExp(`Could not connect to http://localhost:${port}: connection refused`), /Is the registry running\?/);
  });
});

describe('against a misbehaving server', () => {
  let fake: FakeRegistry;
  beforeAll(async () => {
    fake = await startFakeRegistry();
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('reports a 500 with the registry\'s own error text', async () => {
    const client = new RegistryClient({ registry: fake.address });
    const e = await expectAppError(client.getManifest('broken', '1'), 'registry-error', /The registry answered 500 for broken:1 \(UNKNOWN: filesystem: disk quota exceeded\)/, /logs/);
    expect(e.details).toMatchObject({ status: 500 });
  });

  it('reports a manifest that is not JSON', async () => {
    const client = new RegistryClient({ registry: fake.address });
    await expectAppError(client.getManifest('badjson', '1'), 'registry-error', /not valid JSON/, /container registry/);
  });

  it('reports a body that does not match Docker-Content-Digest', async () => {
    const client = new RegistryClient({ registry: fake.address });
    const e = await expectAppError(client.getManifest('wrongdigest', '1'), 'registry-error', /does not match its digest/, /altered/);
    expect(e.details).toMatchObject({ expected: `sha256:${'0'.repeat(64)}`, actual: GOOD_MANIFEST_DIGEST });
  });

  it('reports a body that does not match the digest asked for', async () => {
    const client = new RegistryClient({ registry: fake.address, credentials: { username: FAKE_USER, password: FAKE_PASSWORD } });
    // the fake serves the same manifest for any reference, so asking by another digest must fail the check
    const wrong = `sha256:${'b'.repeat(64)}`;
    const e = await expectAppError(client.getManifest('basic/app', wrong), 'registry-error', /was asked for sha256:b{64}, but its content hashes to/);
    expect(e.details).toMatchObject({ expected: wrong, actual: GOOD_MANIFEST_DIGEST });
  });

  it('follows a Bearer challenge: fetches a token from the realm, retries, and reuses it', async () => {
    const client = new RegistryClient({ registry: fake.address });
    const before = fake.tokensIssued;
    const first = await client.getManifest('private/app', 'latest');
    expect(first.digest).toBe(GOOD_MANIFEST_DIGEST);
    expect(fake.tokensIssued).toBe(before + 1);
    const tokenRequest = fake.requests.filter((r) => r.url.startsWith('/token')).at(-1)!;
    expect(tokenRequest.url).toContain('service=fake-registry');
    expect(tokenRequest.url).toContain('scope=repository%3Aprivate%2Fapp%3Apull');
    expect(tokenRequest.authorization).toBeUndefined();
    await client.getManifest('private/app', 'latest');
    expect(fake.tokensIssued).toBe(before + 1);
    expect(fake.requests.at(-1)!.authorization).toMatch(/^Bearer tok-/);
  });

  it('sends Basic credentials to the token service when it has them, and says when they are wrong', async () => {
    const good = new RegistryClient({ registry: fake.address, credentials: { username: FAKE_USER, password: FAKE_PASSWORD } });
    expect((await good.getManifest('secret/app', 'latest')).digest).toBe(GOOD_MANIFEST_DIGEST);
    const anonymous = new RegistryClient({ registry: fake.address });
    await expectAppError(anonymous.getManifest('secret/app', 'latest'), 'unauthorized', /requires a login/, /Log in/);
    const wrong = new RegistryClient({ registry: fake.address, credentials: { username: FAKE_USER, password: 'nope' } });
    await expectAppError(wrong.getManifest('secret/app', 'latest'), 'unauthorized', /refused the username and password/, /Check the username/);
  });

  it('answers a Basic challenge with credentials, and explains a 401 without a usable challenge', async () => {
    const client = new RegistryClient({ registry: fake.address, credentials: { username: FAKE_USER, password: FAKE_PASSWORD } });
    expect((await client.getManifest('basic/app', 'latest')).digest).toBe(GOOD_MANIFEST_DIGEST);
    await expectAppError(new RegistryClient({ registry: fake.address }).getManifest('nochallenge', '1'), 'unauthorized', /sent no usable challenge/);
  });

  it('follows pagination links for the catalog and tags, asking with n', async () => {
    const client = new RegistryClient({ registry: fake.address });
    const start = fake.requests.length;
    expect((await client.catalog({ pageSize: 2 })).items).toEqual(CATALOG);
    const pages = fake.requests.slice(start).map((r) => r.url);
    expect(pages).toEqual(['/v2/_catalog?n=2', '/v2/_catalog?last=beta&n=2', '/v2/_catalog?last=epsilon&n=2']);
    expect((await client.tags('paged', { pageSize: 3 })).items).toEqual(PAGED_TAGS);
    expect(await client.tags('paged', { pageSize: 3, limit: 4 })).toEqual({ items: PAGED_TAGS.slice(0, 4), truncated: true });
  });

  it('stops on a pagination loop and refuses a link to another host', async () => {
    const client = new RegistryClient({ registry: fake.address });
    await expectAppError(client.tags('loop'), 'registry-error', /without an end/);
    await expectAppError(client.tags('foreign-link'), 'registry-error', /pagination link to another host/);
  });

  it('times out a registry that never answers, and cancels on request', async () => {
    const slow = new RegistryClient({ registry: fake.address, timeoutMs: 300 });
    await expectAppError(slow.getManifest('slow', '1'), 'timeout', /did not answer slow:1 within 300 ms/, /slow or stuck/);
    const controller = new AbortController();
    const cancellable = new RegistryClient({ registry: fake.address, signal: controller.signal });
    const pending = cancellable.getManifest('slow', '1');
    setTimeout(() => controller.abort(), 100);
    await expectAppError(pending, 'cancelled', /cancelled/);
  });

  it('reports an unknown repository as not found', async () => {
    const client = new RegistryClient({ registry: fake.address });
    await expectAppError(client.tags('nothing/here'), 'not-found', /Repository not found/);
  });
});
