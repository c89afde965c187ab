/**
 * Turning what buildx and docker print on failure into errors people can act on. Pure functions over output text.
 */
import { AppError } from '../contract/errors.js';
import { commandFailed } from '../docker/docker-cli.js';
import type { CommandResult } from '../docker/exec.js';
import { BINFMT_IMAGE, DEFAULT_BUILDKIT_IMAGE } from '../commands/builder.js';

/** Words that mean the registry (Docker Hub, usually) could not be reached at all. */
const UNREACHABLE =
  /dial tcp|no such host|i\/o timeout|connection refused|network is unreachable|no route to host|TLS handshake timeout|Client\.Timeout|context deadline exceeded|temporary failure in name resolution/i;

export function registryUnreachable(text: string): boolean {
  return UNREACHABLE.test(text);
}

/**
 * The image a failed bootstrap tried to pull, read from buildx's progress ("pulling image moby/buildkit:…")
 * or from the daemon's error ("failed to resolve reference \"docker.io/moby/buildkit:…\"").
 */
export function bootstrapImage(output: string): string | undefined {
  const pulling = /pulling image (\S+)/.exec(output);
  if (pulling?.[1]) return pulling[1];
  const reference = /(?:failed to resolve reference|pull access denied for|manifest for|Unable to find image) "?'?([^"'\s,]+)/i.exec(output);
  if (!reference?.[1]) return undefined;
  return reference[1].replace(/^docker\.io\/(?:library\/)?/, '');
}

/** True when the bootstrap failed while getting the BuildKit image (as opposed to starting it). */
export function bootstrapPullFailed(output: string): boolean {
  return /pulling image .*\n(?:.*\n)*?.*ERROR/.test(output) || /failed to resolve reference|pull access denied|error pulling image|failed to pull/i.test(output);
}

/** The last "ERROR: …" line buildx printed, or the last non-empty line. */
export function lastError(output: string): string {
  const lines = output.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const errors = lines.filter((l) => /^(?:#\d+ )?ERROR:?/i.test(l) || /^error:/i.test(l));
  const line = errors.at(-1) ?? lines.at(-1) ?? '';
  return line.replace(/^(?:#\d+ )?ERROR:?\s*/i, '').replace(/^error:\s*/i, '');
}

/** "Docker Hub" for images without a registry host, else the host. */
function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'Docker Hub';
}

export function bootstrapFailedError(name: string, result: CommandResult, command: readonly string[]): AppError {
  const output = `${result.stderr}\n${result.stdout}`;
  if (bootstrapPullFailed(output)) {
    const image = bootstrapImage(output) ?? DEFAULT_BUILDKIT_IMAGE;
    const why = registryUnreachable(output) ? `${registryOf(image)} could not be reached` : lastError(output);
    return new AppError(
      'pull-failed',
      `The builder "${name}" was created but could not start: pulling the BuildKit image ${image} failed: ${why}.`,
      {
        hint:
          `Make Docker Hub reachable and start it again (docker buildx inspect --bootstrap ${name}), ` +
          `or pre-load the image on the engine (docker save ${image} on a connected machine, then docker load), ` +
          'or build with the default builder, which needs no image when the engine uses the containerd image store.',
        details: { image, command: [...command], stderr: result.stderr.slice(-4000) },
      },
    );
  }
  const error = commandFailed(command, result);
  return new AppError('command-failed', `The builder "${name}" was created but could not start: ${lastError(output) || `exit code ${result.code}`}.`, {
    hint: `Run ${['docker', ...command.slice(1)].join(' ')} yourself to see the whole output.`,
    details: error.details,
  });
}

export function conflictError(name: string): AppError {
  return new AppError('conflict', `A builder named "${name}" already exists.`, {
    hint: `Use it (docker buildx use ${name}), remove it first (docker buildx rm ${name}), or choose another name.`,
  });
}

export function notFoundError(name: string): AppError {
  return new AppError('not-found', `There is no builder named "${name}".`, {
    hint: 'List the builders with docker buildx ls (or multiarch-lab builder ls), or create one with multiarch-lab builder create.',
  });
}

/** buildx's words for "that builder does not exist" (inspect, use, rm, and the store itself). */
export function isNoSuchBuilder(stderr: string): boolean {
  return /no builder .* found|failed to find instance|no such file or directory.*buildx\/instances/i.test(stderr);
}

/** buildx's words for a taken name (create without --append). */
export function isNameTaken(stderr: string): boolean {
  return /existing instance for|already exists as context builder|already exists/i.test(stderr);
}

/** buildx's words for an endpoint that is neither a URL it knows nor an existing docker context. */
export function isUnknownContext(stderr: string): boolean {
  return /context ".*" does not exist|could not create a builder instance with TLS data loaded from environment|unable to parse docker host|no valid drivers found/i.test(stderr);
}

export function unknownContextError(endpoint: string): AppError {
  return new AppError('not-found', `"${endpoint}" is neither an ssh://, tcp:// or unix:// address nor an existing docker context.`, {
    hint: `List contexts with docker context ls, or create one: docker context create ${endpoint} --docker host=ssh://user@host`,
  });
}

/** buildx checks a new node's engine right away; these words say it did not answer. */
export function isNodeUnreachable(stderr: string): boolean {
  return /failed to initialize builder|error during connect|Cannot connect to the Docker daemon|dial-stdio/i.test(stderr);
}

export function nodeUnreachableError(endpoint: string, why: string): AppError {
  const ssh = endpoint.startsWith('ssh://');
  return new AppError('engine-unreachable', `The engine at ${endpoint} did not answer, so the node was not added: ${why}`, {
    hint: ssh
      ? `Check that ssh ${endpoint.slice('ssh://'.length)} logs in without a password prompt (key-based login) and that Docker runs there: docker -H ${endpoint} info`
      : `Check that Docker runs there and answers: docker -H ${endpoint} info (or docker --context ${endpoint} info for a context)`,
  });
}

/** The error for a binfmt image that cannot be pulled (offline, or Docker Hub refusing). */
export function binfmtPullFailedError(result: CommandResult, command: readonly string[]): AppError {
  const output = `${result.stderr}\n${result.stdout}`;
  const why = registryUnreachable(output) ? 'Docker Hub could not be reached' : lastError(output) || `exit code ${result.code}`;
  return new AppError('pull-failed', `Could not pull the emulator installer image ${BINFMT_IMAGE}: ${why}.`, {
    hint:
      'Install the emulators from your distribution instead: sudo apt-get install qemu-user-static binfmt-support (Debian/Ubuntu; ' +
      'they register themselves), or make Docker Hub reachable and try again. Docker Desktop already ships the emulators.',
    details: { image: BINFMT_IMAGE, command: [...command], stderr: result.stderr.slice(-4000) },
  });
}

/** `docker run` pulls a missing image itself; these words say the pull is what failed. */
export function runPullFailed(stderr: string): boolean {
  return /Unable to find image|error pulling image|failed to resolve reference|pull access denied/i.test(stderr);
}
