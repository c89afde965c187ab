/**
 * Turns what a failed `buildx build` printed into an error a person can act on: which Dockerfile line,
 * which platform, and the usual causes (a frontend or base image that cannot be pulled, a missing builder).
 */
import type { BuildFailureDetails, BuildLogLine, DockerfileErrorLine, PlatformProgress } from '../contract/build.js';
import { AppError } from '../contract/errors.js';
import { formatCommand } from '../docker/exec.js';

export interface BuildFailure {
  /** The `ERROR:` line or the failing step's error. */
  errorMessage?: string;
  dockerfileError?: DockerfileErrorLine;
  failedStep?: { platform?: string; step: string };
  /** The command as a person would read it (docker …). */
  command: string[];
  exitCode: number;
  /** The last stderr lines that were not progress JSON. */
  textTail?: string[];
  timeline?: PlatformProgress[];
  logTail?: BuildLogLine[];
}

const FRONTEND_IMAGE = /((?:docker\.io\/)?docker\/dockerfile(?:-upstream)?(?::[\w.-]+)?)/;

export function buildFailedError(f: BuildFailure): AppError {
  const why = f.errorMessage ?? f.textTail?.filter((l) => l.trim()).slice(-1)[0] ?? `exit code ${f.exitCode}`;
  const details: BuildFailureDetails = { command: f.command };
  if (f.dockerfileError) details.dockerfileError = f.dockerfileError;
  if (f.failedStep?.platform) details.platform = f.failedStep.platform;
  if (f.failedStep?.step) details.step = f.failedStep.step;
  if (f.timeline) details.timeline = f.timeline;
  if (f.logTail) details.logTail = f.logTail;

  const frontend = FRONTEND_IMAGE.exec(why);
  if (frontend && /resolve|pull|lookup|dial|no such host|failed to do request|not found|unauthorized|timeout/i.test(why)) {
    const image = frontend[1]?.replace(/^docker\.io\//, '') ?? 'docker/dockerfile';
    return new AppError(
      'pull-failed',
      `BuildKit could not pull the Dockerfile frontend image ${image} that the "# syntax=" line${f.dockerfileError ? ` (line ${f.dockerfileError.line})` : ''} asks for: ${shorten(why)}`,
      {
        hint: 'That line makes BuildKit fetch its Dockerfile frontend from Docker Hub. Current builders (BuildKit 0.10+, Docker Engine 23+) read heredocs without it: remove the line, or let this machine reach Docker Hub.',
        details,
      },
    );
  }

  const base = /failed to resolve source metadata for ([^\s:]+(?::[^\s:]+)?(?:\/[^\s:]+)*(?::[\w.-]+)?)/.exec(why);
  if (base) {
    return new AppError('pull-failed', `BuildKit could not find the image ${base[1]} named in ${f.dockerfileError ? `Dockerfile line ${f.dockerfileError.line}` : 'the Dockerfile'}: ${shorten(why)}`, {
      hint: 'Check the name and tag, push the image to its registry, or pick another base image. Registries on localhost must be running before the build.',
      details,
    });
  }

  const noBuilder = /no builder "?([^"\s]+)"? found/i.exec(why);
  if (noBuilder) {
    return new AppError('not-found', `There is no buildx builder named ${noBuilder[1]}.`, {
      hint: 'Create it in the Builder step (multiarch-lab builder create), or pick another builder.',
      details,
    });
  }

  if (/multi(?:ple)?[- ]platforms? (?:feature|build) is (?:currently )?not supported for (?:the )?docker driver/i.test(why)) {
    return new AppError('unsupported', 'The engine\'s default builder cannot build several platforms at once with the classic image store.', {
      hint: 'Use the host-networked builder (Builder step), build the old-school way (one platform at a time), or turn on the containerd image store in Docker.',
      details,
    });
  }

  const where = f.dockerfileError
    ? `at Dockerfile line ${f.dockerfileError.line}${f.dockerfileError.text ? ` (${shorten(f.dockerfileError.text, 120)})` : ''}`
    : f.failedStep
      ? `at ${f.failedStep.step}`
      : '';
  const platform = f.failedStep?.platform ? ` for ${f.failedStep.platform}` : '';
  return new AppError('command-failed', `The build failed${platform}${where ? ` ${where}` : ''}: ${shorten(why)}`, {
    hint: f.dockerfileError
      ? `Fix line ${f.dockerfileError.line} of the Dockerfile and build again; the step's log shows what it printed.`
      : `Run the command yourself to see its whole output: ${shorten(formatCommand(f.command), 300)}`,
    details,
  });
}

function shorten(text: string, max = 400): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** How BuildKit and the docker CLI say that a registry wants a login they did not have (or refused the one they had). */
const LOGIN_REFUSED = /\b401 Unauthorized\b|unauthorized: authentication required|no basic auth credentials|failed to authorize|requested access to the resource is denied|insufficient_scope/i;

/**
 * A push the registry refused for want of a login, as an error that says so: without it the user reads
 * "check that the registry is running" about a registry that answered.
 */
export function pushLoginRefused(registry: string, reference: string, why: string, details: unknown): AppError | undefined {
  if (!LOGIN_REFUSED.test(why)) return undefined;
  return new AppError('unauthorized', `${registry} refused the push of ${reference}: it wants a login (${shorten(why)})`, {
    hint: `Log in with \`docker login ${registry}\` (the build pushes with the docker CLI's login, and the app reads the same one), then build again.`,
    details,
  });
}

const REGISTRY_GONE = /connection refused|connection reset|unexpected EOF|broken pipe|no route to host|i\/o timeout/i;

/** A push that lost the registry mid-way (it stopped, crashed or the network dropped), said as such. */
export function pushRegistryGone(registry: string, reference: string, why: string, details: unknown): AppError | undefined {
  if (!REGISTRY_GONE.test(why)) return undefined;
  return new AppError('registry-error', `The push of ${reference} failed: ${registry} stopped answering (${shorten(why)})`, {
    hint: `Check that the registry ${registry} is running (Registry step), then build again.`,
    details,
  });
}
