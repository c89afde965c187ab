/**
 * Manifest media types and how to tell them apart, without zod: the registry client needs only these, so a ping
 * or a catalog (the Doctor's registry line) does not load the manifest schemas in manifest.ts (issue 15).
 */

export const MediaTypes = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
} as const;

/** Every manifest type we read, sent as one Accept header so the registry never down-converts to schema 1. */
export const MANIFEST_ACCEPT = [MediaTypes.ociIndex, MediaTypes.dockerManifestList, MediaTypes.ociManifest, MediaTypes.dockerManifest].join(', ');

export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MediaTypes.ociIndex || mediaType === MediaTypes.dockerManifestList;
}

export function isImageManifestMediaType(mediaType: string): boolean {
  return mediaType === MediaTypes.ociManifest || mediaType === MediaTypes.dockerManifest;
}

export function isKnownManifestMediaType(mediaType: string): boolean {
  return isIndexMediaType(mediaType) || isImageManifestMediaType(mediaType);
}

/**
 * The media type of a fetched manifest. The body's own `mediaType` wins (it is what the digest
 * covers); then the Content-Type; OCI documents may omit both, so fall back to their shape.
 */
export function mediaTypeOfManifest(contentType: string | null | undefined, json: unknown): string {
  const declared = json && typeof json === 'object' ? (json as { mediaType?: unknown }).mediaType : undefined;
  if (typeof declared === 'string' && isKnownManifestMediaType(declared)) return declared;
  const header = contentType?.split(';')[0]?.trim() ?? '';
  if (isKnownManifestMediaType(header)) return header;
  if (json && typeof json === 'object' && (json as { schemaVersion?: unknown }).schemaVersion === 2) {
    if (Array.isArray((json as { manifests?: unknown }).manifests)) return MediaTypes.ociIndex;
    if ((json as { config?: unknown }).config && Array.isArray((json as { layers?: unknown }).layers)) return MediaTypes.ociManifest;
  }
  return typeof declared === 'string' ? declared : header;
}
