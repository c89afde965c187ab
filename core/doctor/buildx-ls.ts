/**
 * `docker buildx ls` for the Doctor and `builder ls`: the table's facts (current builder, pinned platforms, the
 * reasons a builder or node failed) and the JSON's (complete platform lists, driver options). With buildx 0.13 or
 * newer one process gives both (LS_TEMPLATE); before, the table alone, plus the JSON where it exists. The buildx
 * probe (`docker buildx version`, usually answered from its cache) picks the binary; the `ls` starts on the binary
 * it will most likely pick while it runs, and is kept only when it does (issue 15). The answers are the same as
 * running the table and the JSON one after the other; only the number of processes and the waiting differ.
 * Where buildx's files and the engine answer it the same way (builder/native-ls.ts), no process runs at all.
 */
import { AppError } from '../contract/errors.js';
import type { DockerCli, DockerRunOptions, ResolvedDockerCli } from '../docker/docker-cli.js';
import type { CommandResult } from '../docker/exec.js';
import { LS_TEMPLATE, parseBuildxLsTemplate, type BuildxLsResult } from '../docker/parsers/buildx-ls.js';
import { versionAtLeast } from '../docker/parsers/buildx-version.js';
import { dropPrestarted } from '../docker/prestarted.js';
import { nativeBuildxLs, nativeLsVerified, takeEarlyNativeLs } from '../builder/native-ls.js';
import { raceAbort } from '../docker/race-abort.js';
import { planBuildxLs } from '../builder/native-ls-plan.js';

export interface BuildxLsRuns {
  resolved: ResolvedDockerCli;
  /** Absent when the resolved CLI has no buildx (nothing was run). */
  table?: CommandResult;
  /** Absent before buildx 0.13, which has no `--format json`. */
  json?: CommandResult;
  /** The table as parsed, when it came from LS_TEMPLATE (then `table.stdout` is empty: use this). */
  parsedTable?: BuildxLsResult;
}

export async function runBuildxLs(cli: DockerCli, timeoutMs: number, signal?: AbortSignal): Promise<BuildxLsRuns> {
  const resolving = cli.resolve(signal);
  // awaited below, after other awaits: a cancel meanwhile must not reject it with nobody listening (an unhandled
  // rejection ends the process: browser mode's server died when a build cancelled its warm Doctor here)
  resolving.catch(() => undefined);
  const native = await nativeRuns(cli, resolving, timeoutMs, signal);
  if (native) return native;
  const early = new AbortController();
  const onAbort = () => early.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const opts: DockerRunOptions = { allowFailure: true, timeoutMs, signal: early.signal };
    const guess = await cli.likelyPath().catch(() => undefined);
    const started = guess
      ? cli.runWith(guess, ['buildx', 'ls', '--format', LS_TEMPLATE], { ...opts, mayBePrestarted: true }).then(
          (run) => ({ run }),
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
    if (started && json && resolved.path === guess) {
      const outcome = await started;
      // the same binary: its failure (a timeout, a cancel) is the answer, as it would have been run afterwards
      if ('error' in outcome) throw outcome.error;
      const parsed = outcome.run.code === 0 ? parseBuildxLsTemplate(outcome.run.stdout) : undefined;
      if (parsed) {
        return { resolved, table: { ...outcome.run, stdout: '' }, json: { ...outcome.run, stdout: parsed.jsonText }, parsedTable: parsed.table };
      }
      // a failure or rows we cannot line up: ask the old way, so the answer (and any error) is buildx's usual one
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

/**
 * The LS_TEMPLATE answer read from buildx's files and the engine (builder/native-ls.ts), when the buildx in use is a
 * version it was verified against and buildx's files admit it (native-ls-plan.ts, from the files alone); undefined
 * otherwise or on any failure, and buildx is run as before.
 */
async function nativeRuns(cli: DockerCli, resolving: Promise<ResolvedDockerCli>, timeoutMs: number, signal?: AbortSignal): Promise<BuildxLsRuns | undefined> {
  const envFor = cli.commandEnv(signal);
  envFor.catch(() => undefined);
  // BuildKit is asked as soon as the engine is known, while the buildx probe may still run (on a first start it
  // starts `docker buildx version`, ~100 ms): the answer is used only if the probe then names a verified buildx
  const speculative = new AbortController();
  const onAbort = () => speculative.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const asked = envFor.then((env) => {
    // the probe already named a buildx this does not answer for (a cached probe is there in ms): nothing asked
    if (speculative.signal.aborted) return undefined;
    // the same answer, asked before the core loaded (cli/early-buildx-ls.ts) for this same environment
    const early = takeEarlyNativeLs(env);
    if (early) return early;
    if (!('plan' in planBuildxLs(env))) return undefined;
    return nativeBuildxLs(env, 'checked-by-caller', { timeoutMs, signal: speculative.signal });
  });
  asked.catch(() => undefined);
  try {
    const resolved = await resolving.catch(() => undefined);
    if (!resolved || !nativeLsVerified(resolved.buildx)) {
      speculative.abort();
      return undefined;
    }
    // buildx is there: the environment's failure (the engine cannot be reached, a cancel) is the answer, as it is
    // when buildx is run (and asking again would wait for the engine a second time)
    await envFor;
    return await nativeAnswer(resolved, asked, signal);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

async function nativeAnswer(resolved: ResolvedDockerCli, asking: Promise<string | undefined>, signal?: AbortSignal): Promise<BuildxLsRuns | undefined> {
  const stdout = await (signal ? raceAbort(asking, signal, '`docker buildx ls`') : asking);
  const parsed = stdout === undefined ? undefined : parseBuildxLsTemplate(stdout);
  if (!parsed) return undefined;
  // an early `buildx ls` (cli/early-buildx-ls.ts) is not needed
  dropPrestarted();
  const run: CommandResult = { code: 0, stdout: '', stderr: '' };
  return { resolved, table: run, json: { ...run, stdout: parsed.jsonText }, parsedTable: parsed.table };
}
