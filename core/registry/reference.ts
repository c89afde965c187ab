/**
 * Image references as people type them, turned into what a registry needs: which host to call,
 * which repository, which tag or digest. Follows the rules of the docker CLI (distribution/reference):
 * no registry means Docker Hub, a single-name Hub image lives under `library/`, and the first path
 * part is a registry only when it looks like a host (has a dot or a port, is `localhost`, or is an IPv6 literal).
 */
import { AppError } from '../contract/errors.js';

export const DOCKER_HUB = 'docker.io';
/** Docker Hub's API does not answer on docker.io itself. */
export const DOCKER_HUB_ENDPOINT = 'registry-1.docker.io';

export interface ImageRef {
  /** The text as given. */
  original: string;
  /** The registry as people name it: `docker.io`, `localhost:5000`, `[::1]:5000`. */
  registry: string;
  /** The host[:port] to send HTTP requests to. */
  endpoint: string;
  repository: string;
  tag?: string;
  digest?: string;
  /** What to ask the registry for: the digest when there is one, else the tag (`latest` when none). */
  reference: string;
}

const component = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const hostLabel = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const domainPattern = new RegExp(`^(?:${hostLabel}(?:\\.${hostLabel})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?$`);
const HINT = 'An image reference looks like [registry/]name[:tag][@sha256:digest], e.g. localhost:5000/hello:1.0 or busybox:latest.';

function invalid(input: string, why: string): AppError {
  return new AppError('invalid-input', `"${input.slice(0, 300)}" is not a valid image reference: ${why}.`, { hint: HINT });
}

export function isDigest(value: string): boolean {
  return digestPattern.test(value);
}

/** Checks a registry address (host[:port]); throws invalid-input otherwise. */
export function checkRegistryAddress(address: string): string {
  if (!domainPattern.test(address)) {
    throw new AppError('invalid-input', `"${address.slice(0, 300)}" is not a registry address.`, {
      hint: 'A registry address looks like host[:port], e.g. localhost:5000 or registry.example.com.',
    });
  }
  const port = /:(\d+)$/.exec(address.startsWith('[') ? address.slice(address.indexOf(']')) : address)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw new AppError('invalid-input', `"${address}" has a port outside 1-65535.`, { hint: 'Use the port the registry listens on, e.g. 5000.' });
  }
  return address;
}

/** docker.io and its old aliases all mean Docker Hub. */
export function normalizeRegistry(registry: string): string {
  const lower = registry.toLowerCase();
  if (lower === 'index.docker.io' || lower === 'registry-1.docker.io' || lower === DOCKER_HUB) return DOCKER_HUB;
  return registry;
}

export function registryEndpoint(registry: string): string {
  return normalizeRegistry(registry) === DOCKER_HUB ? DOCKER_HUB_ENDPOINT : registry;
}

/** The host part of host[:port], without IPv6 brackets. */
export function hostOf(address: string): string {
  if (address.startsWith('[')) return address.slice(1, address.indexOf(']'));
  const colon = address.lastIndexOf(':');
  return colon === -1 ? address : address.slice(0, colon);
}

/**
 * Loopback registries are plain HTTP by default, as dockerd treats them; everything else is HTTPS
 * unless the user marks it insecure.
 */
export function isLoopbackRegistry(address: string): boolean {
  const host = hostOf(address).toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function looksLikeRegistry(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[') || first !== first.toLowerCase();
}

export function parseImageReference(input: string): ImageRef {
  if (typeof input !== 'string' || input.length === 0) throw invalid(String(input), 'it is empty');
  if (input.length > 512) throw invalid(input, 'it is longer than 512 characters');
  if (/\s/.test(input)) throw invalid(input, 'it contains spaces');

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) throw invalid(input, 'the part after "@" must be a digest like sha256:<64 hex digits>');
  }

  let registry = DOCKER_HUB;
  const slash = rest.indexOf('/');
  if (slash !== -1 && looksLikeRegistry(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    rest = rest.slice(slash + 1);
    if (!domainPattern.test(registry)) throw invalid(input, `"${registry}" is not a registry host[:port]`);
    checkRegistryAddress(registry);
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon !== -1 && colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagPattern.test(tag)) throw invalid(input, `"${tag}" is not a valid tag (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-")`);
  }

  if (rest.length === 0) throw invalid(input, 'the repository name is missing');
  const parts = rest.split('/');
  for (const part of parts) {
    if (part.length === 0) throw invalid(input, 'the repository name has an empty path part');
    if (!component.test(part)) {
      const why = part !== part.toLowerCase() ? 'repository names must be lowercase' : `"${part}" may only hold lowercase letters, digits and single separators (".", "_", "__", "-")`;
      throw invalid(input, why);
    }
  }

  registry = normalizeRegistry(registry);
  let repository = rest;
  if (registry === DOCKER_HUB && parts.length === 1) repository = `library/${repository}`;
  if (registry.length + 1 + repository.length > 255) throw invalid(input, 'the name is longer than 255 characters');

  const ref: ImageRef = {
    original: input,
    registry,
    endpoint: registryEndpoint(registry),
    repository,
    reference: digest ?? tag ?? 'latest',
  };
  if (tag !== undefined) ref.tag = tag;
  else if (digest === undefined) ref.tag = 'latest';
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** The full, unambiguous form: registry/repository[:tag][@digest]. */
export function formatImageReference(ref: Pick<ImageRef, 'registry' | 'repository' | 'tag' | 'digest'>): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}
