/**
 * `docker buildx ls` as the table and as JSON, for the Doctor and `builder ls`. Both wait on the buildx probe
 * (`docker buildx version`, which picks the binary and says whether JSON exists); run one after the other that is
 * three docker processes in a row. So the two `ls` start on the binary the probe will most likely pick while it
 * runs, and are kept only when it picks that binary with buildx 0.13 or newer; otherwise they are stopped and run
 * again as before. The answers are the same; only the waiting overlaps (issue 15).
 */
import { AppError } from '../contract/errors.js';
import type { DockerCli, DockerRunOptions, ResolvedDockerCli } from '../docker/docker-cli.js';
import type { CommandResult } from '../docker/exec.js';
import { versionAtLeast } from '../docker/parsers/buildx-version.js';

export interface BuildxLsRuns {
  resolved: ResolvedDockerCli;
  /** Absent when the resolved CLI has no buildx (nothing was run). */
  table?: CommandResult;
  /** Absent before buildx 0.13, which has no `--format json`. */
  json?: CommandResult;
}

export async function runBuildxLs(cli: DockerCli, timeoutMs: number, signal?: AbortSignal): Promise<BuildxLsRuns> {
  const resolving = cli.resolve(signal);
  const early = new AbortController();
  const onAbort = () => early.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const opts: DockerRunOptions = { allowFailure: true, timeoutMs, signal: early.signal };
    const guess = await cli.likelyPath().catch(() => undefined);
    const started = guess
      ? Promise.all([cli.runWith(guess, ['buildx', 'ls'], opts), cli.runWith(guess, ['buildx', 'ls', '--format', 'json'], opts)]).then(
          (runs) => ({ runs }),
          (error: unknown) => ({ error }),
        )
      : undefined;
    started?.catch(() => undefined);
    let resolved: ResolvedDockerCli;
    try {
      resolved = await resolving;
    } catch (error) {
      early.abort();
      throw error;
    }
    if (!resolved.buildx) {
      early.abort();
      return { resolved };
    }
    const json = versionAtLeast(resolved.buildx, 0, 13);
    if (started && resolved.path === guess) {
      const outcome = await started;
      // the same binary: its failure (a timeout, a cancel) is the answer, as it would have been run afterwards
      if ('error' in outcome) throw outcome.error;
      const [table, jsonRun] = outcome.runs;
      return json ? { resolved, table, json: jsonRun } : { resolved, table };
    }
    early.abort();
    if (signal?.aborted) throw new AppError('cancelled', '`docker buildx ls` was cancelled.');
    const again: DockerRunOptions = { allowFailure: true, timeoutMs, ...(signal ? { signal } : {}) };
    const [table, jsonRun] = await Promise.all([cli.run(['buildx', 'ls'], again), json ? cli.run(['buildx', 'ls', '--format', 'json'], again) : Promise.resolve(undefined)]);
    return jsonRun ? { resolved, table, json: jsonRun } : { resolved, table };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
