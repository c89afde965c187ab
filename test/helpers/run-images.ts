/**
 * Images the run matrix must judge, written straight into a test registry over its HTTP API: indexes whose
 * arm64 entry holds amd64 content (the classic mistake, in its two forms) and an image whose binary is for a
 * CPU this machine can only run through an emulator.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import Docker from 'dockerode';
import { RegistryClient } from '../../core/registry/client.js';
import { createIndex, MediaTypes } from '../../core/registry/manifest.js';
import type { RegistryProcess } from './registry-process.js';

const sha256 = (bytes: Uint8Array | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface PushedDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** The monolithic blob upload: POST to open a session, PUT the bytes with their digest. */
export async function uploadBlob(registry: RegistryProcess, repository: string, bytes: Uint8Array): Promise<{ digest: string; size: number }> {
  const digest = sha256(bytes);
  const open = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  if (open.status !== 202) throw new Error(`opening a blob upload in ${repository} answered ${open.status}: ${await open.text()}`);
  const location = new URL(open.headers.get('location') ?? '', registry.url);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: Buffer.from(bytes) });
  if (put.status !== 201) throw new Error(`uploading blob ${digest} answered ${put.status}: ${await put.text()}`);
  return { digest, size: bytes.length };
}

async function putManifest(registry: RegistryProcess, repository: string, reference: string, mediaType: string, json: unknown): Promise<PushedDescriptor> {
  const text = JSON.stringify(json);
  const client = new RegistryClient({ registry: registry.address });
  const { digest } = await client.putManifest(repository, reference, mediaType, text);
  return { mediaType, digest, size: Buffer.byteLength(text) };
}

/** The entries of a pushed index (or list), by platform label. */
export async function indexEntries(registry: RegistryProcess, repository: string, tag: string): Promise<Map<string, PushedDescriptor>> {
  const client = new RegistryClient({ registry: registry.address });
  const index = await client.getManifest(repository, tag);
  const manifests = (index.json as { manifests: Array<PushedDescriptor & { platform: { os: string; architecture: string; variant?: string } }> }).manifests;
  return new Map(
    manifests.map((m) => [`${m.platform.os}/${m.platform.architecture}${m.platform.variant ? `/${m.platform.variant}` : ''}`, { mediaType: m.mediaType, digest: m.digest, size: m.size }]),
  );
}

async function pushIndex(registry: RegistryProcess, repository: string, tag: string, entries: Array<{ descriptor: PushedDescriptor; platform: string }>): Promise<string> {
  const index = createIndex(entries.map((e) => ({ ...e.descriptor, platform: e.platform })));
  const client = new RegistryClient({ registry: registry.address });
  return (await client.putManifest(repository, tag, index.mediaType, index.text)).digest;
}

/** An index whose linux/arm64 entry is the amd64 manifest itself: its config says amd64. */
export async function pushMislabelledIndex(registry: RegistryProcess, repository: string, fromTag: string, tag: string): Promise<string> {
  const amd64 = (await indexEntries(registry, repository, fromTag)).get('linux/amd64');
  if (!amd64) throw new Error(`${repository}:${fromTag} has no linux/amd64 entry`);
  return pushIndex(registry, repository, tag, [
    { descriptor: amd64, platform: 'linux/amd64' },
    { descriptor: amd64, platform: 'linux/arm64' },
  ]);
}

/**
 * An index whose linux/arm64 image says arm64 everywhere (index and config) but holds the amd64 layers: what a
 * build that copies binaries made for the build machine produces.
 */
export async function pushWrongBinariesIndex(registry: RegistryProcess, repository: string, fromTag: string, tag: string): Promise<string> {
  const client = new RegistryClient({ registry: registry.address });
  const amd64 = (await indexEntries(registry, repository, fromTag)).get('linux/amd64');
  if (!amd64) throw new Error(`${repository}:${fromTag} has no linux/amd64 entry`);
  const manifest = (await client.getManifest(repository, amd64.digest)).json as { config: PushedDescriptor; layers: PushedDescriptor[]; mediaType: string };
  const config = (await client.getBlobJson(repository, manifest.config.digest)).json as Record<string, unknown>;
  const forgedConfig = Buffer.from(JSON.stringify({ ...config, architecture: 'arm64', variant: undefined }));
  const configBlob = await uploadBlob(registry, repository, forgedConfig);
  const forged = await putManifest(registry, repository, `${tag}-arm64`, manifest.mediaType, {
    ...manifest,
    config: { ...manifest.config, digest: configBlob.digest, size: configBlob.size },
  });
  return pushIndex(registry, repository, tag, [
    { descriptor: amd64, platform: 'linux/amd64' },
    { descriptor: forged, platform: 'linux/arm64' },
  ]);
}

/**
 * The amd64 image of `fromTag` with one more layer of `size` random bytes, as a one-platform index: content the
 * engine has never seen, so pulling it reports byte progress.
 */
export async function pushWithRandomLayer(registry: RegistryProcess, repository: string, fromTag: string, tag: string, size: number): Promise<string> {
  const client = new RegistryClient({ registry: registry.address });
  const amd64 = (await indexEntries(registry, repository, fromTag)).get('linux/amd64');
  if (!amd64) throw new Error(`${repository}:${fromTag} has no linux/amd64 entry`);
  const manifest = (await client.getManifest(repository, amd64.digest)).json as { config: PushedDescriptor; layers: PushedDescriptor[]; mediaType: string };
  const config = (await client.getBlobJson(repository, manifest.config.digest)).json as { rootfs: { type: string; diff_ids: string[] } } & Record<string, unknown>;
  const tar = tarWithFile('random.bin', randomBytes(size), 0o644);
  const layer = await uploadBlob(registry, repository, gzipSync(tar, { level: 0 }));
  const configBlob = await uploadBlob(registry, repository, Buffer.from(JSON.stringify({ ...config, rootfs: { ...config.rootfs, diff_ids: [...config.rootfs.diff_ids, sha256(tar)] } })));
  const grown = await putManifest(registry, repository, `${tag}-amd64`, manifest.mediaType, {
    ...manifest,
    config: { ...manifest.config, digest: configBlob.digest, size: configBlob.size },
    layers: [...manifest.layers, { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: layer.digest, size: layer.size }],
  });
  return pushIndex(registry, repository, tag, [{ descriptor: grown, platform: 'linux/amd64' }]);
}

/** A tar holding one executable file (ustar headers, as `tar` writes them). */
export function tarWithFile(name: string, content: Buffer, mode = 0o755): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) => header.write(value, offset, length, 'ascii');
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, '0');
  field(0, 100, name);
  field(100, 8, octal(mode, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(content.length, 12));
  field(136, 12, octal(0, 12));
  field(148, 8, '        ');
  field(156, 1, '0');
  field(257, 6, 'ustar');
  field(263, 2, '00');
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

/**
 * The 64-byte ELF header of a 64-bit little-endian MIPS executable: enough for the kernel to decide who runs it.
 * Without a mips64el emulator the answer is "exec format error", which is what the test needs.
 */
export function mips64elElfHeader(): Buffer {
  const h = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(h, 0);
  h.writeUInt16LE(2, 16); // ET_EXEC
  h.writeUInt16LE(8, 18); // EM_MIPS
  h.writeUInt32LE(1, 20);
  h.writeBigUInt64LE(0x120000000n, 24);
  h.writeBigUInt64LE(64n, 32);
  h.writeUInt32LE(0x80000007, 48);
  h.writeUInt16LE(64, 52);
  h.writeUInt16LE(56, 54);
  return h;
}

/** A one-file image for `platform` whose CMD runs that file, joined into an index like a real multi-platform push. */
export async function pushOneFileImage(
  registry: RegistryProcess,
  repository: string,
  tag: string,
  options: { platform: string; path: string; content: Buffer },
): Promise<string> {
  const [os, architecture, variant] = options.platform.split('/') as [string, string, string | undefined];
  const tar = tarWithFile(options.path.replace(/^\//, ''), options.content);
  const layer = gzipSync(tar);
  const layerBlob = await uploadBlob(registry, repository, layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture,
      os,
      ...(variant ? { variant } : {}),
      config: { Cmd: [options.path], Env: ['PATH=/bin'] },
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
      history: [{ created_by: 'multiarch-lab test: one file' }],
    }),
  );
  const configBlob = await uploadBlob(registry, repository, config);
  const manifest = await putManifest(registry, repository, `${tag}-${architecture}`, MediaTypes.ociManifest, {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: configBlob.digest, size: configBlob.size },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerBlob.digest, size: layerBlob.size }],
  });
  return pushIndex(registry, repository, tag, [{ descriptor: manifest, platform: options.platform }]);
}

export const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

/**
 * Switches one binfmt_misc handler off and returns what puts it back. Only a handler that was enabled is
 * touched, so a machine without it is left exactly as it was.
 */
export async function disableBinfmtHandler(name: string): Promise<() => Promise<void>> {
  const file = `${BINFMT_DIR}/${name}`;
  let state: string;
  try {
    state = await readFile(file, 'utf8');
  } catch {
    return async () => undefined;
  }
  if (!/^enabled$/m.test(state)) return async () => undefined;
  await writeFile(file, '0');
  return async () => {
    await writeFile(file, '1');
  };
}

export async function binfmtHandlerEnabled(name: string): Promise<boolean | undefined> {
  try {
    return /^enabled$/m.test(await readFile(`${BINFMT_DIR}/${name}`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Removes every image the engine holds under `registry/` (what the runs pulled from a test registry). Other tests
 * delete images at the same time, so a listing that trips over one of theirs is tried again.
 */
export async function removeImagesFrom(registryAddress: string): Promise<void> {
  const engine = new Docker({ socketPath: '/var/run/docker.sock' });
  const prefix = `${registryAddress}/`;
  for (let attempt = 1; ; attempt++) {
    try {
      for (const image of await engine.listImages({ all: true })) {
        const names = [...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])].filter((n) => n.startsWith(prefix));
        for (const name of names) await engine.getImage(name).remove({ force: true }).catch(() => undefined);
      }
      const left = (await engine.listImages({ all: true })).filter((i) => [...(i.RepoTags ?? []), ...(i.RepoDigests ?? [])].some((n) => n.startsWith(prefix)));
      if (left.length === 0) return;
      if (attempt >= 3) throw new Error(`images from ${registryAddress} are still there: ${left.map((i) => i.Id).join(', ')}`);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
