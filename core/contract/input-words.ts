/**
 * What is wrong with an input, in words a user reads at the field. The contract's schemas use these
 * messages, so every front (GUI field, CLI flag, WebSocket caller) hears the same sentence, and no
 * message ever names an internal channel.
 */

export const PORT_WORDS = 'a port is a number from 1 to 65535';

const component = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^sha256:[a-f0-9]{64}$/;
const domainPattern = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;

export interface ReferenceParts {
  /** The registry in front, when the reference names one (`localhost:5000`). */
  registry?: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/** Splits a reference the way docker does: the first component is a registry when it holds '.' or ':' or is localhost. */
export function splitReference(ref: string): ReferenceParts {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let registry: string | undefined;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[')) {
      registry = first;
      rest = rest.slice(slash + 1);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { ...(registry !== undefined ? { registry } : {}), repository: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** Null when `ref` is a valid image reference, else the first thing wrong with it, said plainly. */
export function imageReferenceProblem(ref: string): string | null {
  if (ref.trim() === '') return 'name the image, e.g. localhost:5000/hello:1';
  if (/\s/.test(ref)) return 'an image reference has no spaces';
  if (ref.length > 512) return 'an image reference is at most 512 characters';
  const parts = splitReference(ref);
  if (parts.registry !== undefined && !domainPattern.test(parts.registry)) {
    return `the registry "${parts.registry}" is a host name with an optional :port, e.g. localhost:5000`;
  }
  if (parts.repository === '') return 'the repository name is empty, e.g. hello in localhost:5000/hello:1';
  if (/[A-Z]/.test(parts.repository)) return 'a repository name is lowercase';
  for (const c of parts.repository.split('/')) {
    if (c === '') return 'a repository name has no empty part between two "/"';
    if (!component.test(c)) {
      return 'a repository name is lowercase letters and digits, with ".", "_" or "-" only between them';
    }
  }
  if (parts.tag !== undefined) {
    if (parts.tag === '') return 'the tag after ":" is empty';
    if (!tagPattern.test(parts.tag)) return 'a tag is up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"';
  }
  if (parts.digest !== undefined && !digestPattern.test(parts.digest)) return 'a digest after "@" is sha256: and 64 hex digits';
  return null;
}

/**
 * A warning, not an error: a reference with no registry in front goes to Docker Hub when pushed.
 * Null when the reference names a registry (or is not valid, which the error already says).
 */
export function dockerHubWarning(ref: string): string | null {
  if (imageReferenceProblem(ref) !== null) return null;
  const parts = splitReference(ref);
  if (parts.registry !== undefined) return null;
  const hub = parts.repository.includes('/') ? `docker.io/${ref}` : `docker.io/library/${ref}`;
  return `${ref} names no registry, so a push would go to Docker Hub (${hub}). Put your registry in front, e.g. localhost:5000/${ref}.`;
}

/** A path of a zod issue in words: registry.port → "registry port", platforms.1 → "platform 2". */
export function fieldWords(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'the request';
  const words: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const p = path[i];
    const next = path[i + 1];
    if (typeof next === 'number' && typeof p === 'string') {
      words.push(`${p.replace(/s$/, '')} ${next + 1}`);
      i++;
    } else if (typeof p === 'number') {
      words.push(`item ${p + 1}`);
    } else {
      words.push(String(p).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase());
    }
  }
  return words.join(' ');
}

/** One refusal sentence from a schema's issues, naming the fields as a user knows them. */
export function describeInputIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const parts = issues.slice(0, 5).map((i) => `${fieldWords(i.path)}: ${i.message}`);
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  return `Not accepted: ${parts.join('; ')}${more}.`;
}
