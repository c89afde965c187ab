/**
 * Is an image in a registry whole? Walks a tag through the plain registry HTTP API (not the app's client,
 * so a bug there cannot hide a missing blob): the manifest or index, every platform manifest it lists, and
 * every config and layer blob of each, each fetched in full and hashed against its digest, and HEADed for
 * its size. Throws naming the first thing missing or wrong.
 */
import { createHash } from 'node:crypto';

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
}

export interface WalkedImage {
  digest: string;
  /** os/arch[/variant] of each platform manifest (attestation entries, platform unknown/unknown, left out). */
  platforms: string[];
  manifests: number;
  blobs: number;
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function getChecked(url: string, what: string, digest?: string, headers: Record<string, string> = {}): Promise<Buffer> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(60_000) });
  if (res.status !== 200) throw new Error(`${what}: GET answered ${res.status} (${(await res.text()).slice(0, 200)})`);
  const body = Buffer.from(await res.arrayBuffer());
  if (digest && sha256(body) !== digest) throw new Error(`${what}: the bytes served hash to ${sha256(body)}, not ${digest}`);
  return body;
}

async function headBlob(base: string, repository: string, blob: Descriptor, what: string): Promise<void> {
  const res = await fetch(`${base}/v2/${repository}/blobs/${blob.digest}`, { method: 'HEAD', signal: AbortSignal.timeout(30_000) });
  if (res.status !== 200) throw new Error(`${what}: HEAD of blob ${blob.digest} answered ${res.status}`);
  const length = Number(res.headers.get('content-length'));
  if (length !== blob.size) throw new Error(`${what}: blob ${blob.digest} is ${length} bytes, its manifest says ${blob.size}`);
}

/** `registryUrl` is e.g. http://127.0.0.1:5000; `reference` a tag or digest in `repository`. */
export async function walkImage(registryUrl: string, repository: string, reference: string): Promise<WalkedImage> {
  const out: WalkedImage = { digest: '', platforms: [], manifests: 0, blobs: 0 };
  const name = `${repository}:${reference}`;
  const visit = async (ref: string, expected: string | undefined, label: string): Promise<string> => {
    const body = await getChecked(`${registryUrl}/v2/${repository}/manifests/${ref}`, `${name} ${label}`, expected, { Accept: ACCEPT });
    out.manifests++;
    const doc = JSON.parse(body.toString('utf8')) as { manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
    if (Array.isArray(doc.manifests)) {
      for (const child of doc.manifests) {
        const p = child.platform;
        const platform = p ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : 'unknown';
        await visit(child.digest, child.digest, platform);
        if (platform !== 'unknown/unknown' && platform !== 'unknown') out.platforms.push(platform);
      }
    } else {
      if (!doc.config) throw new Error(`${name} ${label}: the manifest names no config`);
      for (const blob of [doc.config, ...(doc.layers ?? [])]) {
        await headBlob(registryUrl, repository, blob, `${name} ${label}`);
        await getChecked(`${registryUrl}/v2/${repository}/blobs/${blob.digest}`, `${name} ${label} blob ${blob.digest}`, blob.digest);
        out.blobs++;
      }
    }
    return sha256(body);
  };
  out.digest = await visit(reference, reference.startsWith('sha256:') ? reference : undefined, 'root');
  return out;
}
