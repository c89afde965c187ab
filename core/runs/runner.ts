/**
 * The run matrix: read an image's platforms from its registry, then for each chosen platform pull that
 * variant, run it with `platform` set, collect what it printed, remove the container and judge the output.
 * Platforms run in parallel up to a limit; each run has its own timeout.
 */
import type Docker from 'dockerode';
import { runPlatformCommand } from '../commands/runs.js';
import type { PlatformStatus } from '../contract/doctor.js';
import { AppError, serializeError } from '../contract/errors.js';
import type { ImageInspection, ManifestNode } from '../contract/registry.js';
import { DEFAULT_RUN_TIMEOUT_MS, type PlatformRun, type RunExecution, type RunMatrix } from '../contract/runs.js';
import type { EngineAccess, EngineConnection } from '../docker/engine.js';
import { engineMessage, isEngineConnectionError } from '../docker/errors.js';
import { engineFacts, type EngineFacts } from '../docker/facts.js';
import { pullImage, taskLayerProgress } from '../docker/images.js';
import { MANAGED_LABEL, ROLE_LABEL, RUN_ROLE } from '../docker/labels.js';
import type { BinfmtState } from '../docker/parsers/binfmt.js';
import { readBinfmtState } from '../doctor/host-probes.js';
import { classifyPlatforms } from '../doctor/platforms.js';
import { formatPlatform, normalizeArch, normalPlatformText } from '../platform.js';
import type { RegistryClientFactory } from '../registry/client.js';
import { inspectReference, platformNodes } from '../registry/manifest.js';
import { parseImageReference } from '../registry/reference.js';
import type { TaskHandle, TaskManager } from '../tasks.js';
import { demuxDockerStream } from '../docker/demux.js';
import { formatDuration } from './export.js';
import { RunHistory } from './history.js';
import { hostVariantChoices } from './host-match.js';
import { configContradictsLabel, judgeRun, machineFamily } from './machines.js';
import type { PlatformVerification, VerifyReport } from '../contract/verify.js';
import { verifyReference } from '../verify/verify.js';
import { joinVerification } from './verify-run.js';

export interface RunMatrixRequest {
  reference: string;
  platforms?: string[];
  timeoutMs?: number;
  concurrency: number;
  command?: string[];
  insecure?: boolean;
}

export interface RunMatrixDeps {
  engine: EngineAccess;
  tasks: TaskManager;
  history: RunHistory;
  /** Injectable for tests; defaults read /proc/sys/fs/binfmt_misc. */
  readBinfmt?: () => Promise<BinfmtState>;
  /** Extra labels on every container (tests mark theirs). */
  extraLabels?: Record<string, string>;
  /** Picks HTTP or HTTPS from the app's plain-HTTP list. */
  makeClient?: RegistryClientFactory;
  /** Throws when the registry is plain HTTP for the app but the engine, which pulls, would insist on HTTPS. */
  engineAgrees?: (registry: string, signal: AbortSignal) => Promise<void>;
}

/** Runs the matrix as a task, saves it in the history and returns it. */
export async function runMatrix(request: RunMatrixRequest, deps: RunMatrixDeps, outer?: AbortSignal): Promise<RunMatrix> {
  const reference = request.reference;
  const steps = [
    { id: 'inspect', title: 'Read the platforms from the registry', command: ['docker', 'buildx', 'imagetools', 'inspect', reference] },
    { id: 'engine', title: 'Check the engine and its emulators', command: ['docker', 'info'] },
    { id: 'verify', title: "Read each platform's files from the registry", command: ['multiarch-lab', 'verify', reference] },
  ];
  const matrix = await deps.tasks.run('runs:start', `Run every platform of ${reference}`, steps, (task) => runMatrixTask(request, deps, task), outer);
  await deps.history.save(matrix);
  return matrix;
}

interface RunEngine {
  docker: Docker;
  endpoint: string;
  arch: string;
  version?: string;
  platforms: PlatformStatus[];
  source: RunMatrix['emulationSource'];
}

async function runMatrixTask(request: RunMatrixRequest, deps: RunMatrixDeps, task: TaskHandle): Promise<RunMatrix> {
  const started = new Date();
  const id = RunHistory.newId(started);
  const timeoutMs = request.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;

  // a reference that does not parse fails in the registry step below, with its reason
  const early = runnableOf(request.reference);
  const labels = { ...(deps.extraLabels ?? {}), [MANAGED_LABEL]: 'true', [ROLE_LABEL]: RUN_ROLE };
  // an index read before: its first containers are created while the registry is read again (used only if it still
  // serves that index and the engine holds it; removed otherwise)
  const ahead = early ? createAhead(request, early, deps.engine, labels, id, task.signal) : undefined;
  try {
    return await runMatrixWith(request, deps, task, { id, started, timeoutMs, early, labels, ahead });
  } finally {
    await ahead?.discard();
  }
}

interface MatrixStart {
  id: string;
  started: Date;
  timeoutMs: number;
  early: ReturnType<typeof runnableOf>;
  labels: Record<string, string>;
  ahead: CreatedAhead | undefined;
}

async function runMatrixWith(request: RunMatrixRequest, deps: RunMatrixDeps, task: TaskHandle, start: MatrixStart): Promise<RunMatrix> {
  const { reference } = request;
  const { id, started, timeoutMs, early, labels, ahead } = start;

  // The engine's facts, its emulators and what it already holds of the image do not depend on the registry's
  // answer: they are read while the registry is, not after it.
  task.step('inspect', 'running');
  task.step('engine', 'running');
  let engineSettled = false;
  let abandoned = false;
  const probing = probeEngine(deps, early?.runnable, task.signal).then(
    (probe) => ({ probe }),
    (error: unknown) => ({ error }),
  );
  void probing.then((outcome) => {
    engineSettled = true;
    if (abandoned) return;
    if ('error' in outcome) task.step('engine', 'failed', errorText(outcome.error));
    else task.step('engine', 'done', `${outcome.probe.engine.arch} at ${outcome.probe.connection.endpoint}`);
  });

  let inspection: ImageInspection;
  try {
    inspection = await inspectReference({ reference, ...(request.insecure !== undefined ? { insecure: request.insecure } : {}) }, task.signal, deps.makeClient);
    // docker run pulls through the engine: a plain-HTTP registry the engine does not accept fails here, not per platform.
    await deps.engineAgrees?.(inspection.registry, task.signal);
  } catch (error) {
    task.step('inspect', 'failed', errorText(error));
    if (!engineSettled) {
      // the registry's error is the answer; the engine check is no longer waited for
      abandoned = true;
      task.step('engine', 'skipped', 'not waited for: reading the registry failed');
    }
    throw error;
  }
  const nodes = platformNodes(inspection.root);
  rememberInspection(request, inspection.digest, inspection.platforms, nodes);
  task.step('inspect', 'done', `${inspection.platforms.join(', ') || 'no platforms'} (${inspection.digest.slice(0, 19)})`);
  task.throwIfCancelled();

  // linux/arm and linux/arm/v7 are one platform: run it once.
  const chosen = [...new Map((request.platforms ?? inspection.platforms).map((p) => [normalPlatformText(p), p])).values()];
  const picks = chosen.map((platform) => ({ platform, node: findNode(nodes, platform) }));

  // The same platforms checked from their files, beside the runs: the evidence that explains a failed start, and
  // that catches a run which only looked right. Pinned to the digest just read, so both judge the same image.
  const verifying = startVerification(request, inspection.digest, picks.filter((p) => p.node).map((p) => p.platform), task);

  const wantedPlatforms = new Set<string>();
  for (const p of picks) {
    wantedPlatforms.add(p.platform);
    const configPlatform = configPlatformOf(p.node);
    if (configPlatform) wantedPlatforms.add(configPlatform);
  }
  const { repoName, runnable } = early ?? runnableOf(reference, true)!;
  const probed = await probing;
  if ('error' in probed) throw engineLost(deps.engine, probed.error) ?? probed.error;
  const facts = runEngine(probed.probe, [...wantedPlatforms]);
  // The engine holds the image at the digest the registry serves now: a pull would change nothing, so each run
  // creates its container at once and pulls only when the engine lacks that platform (as `docker run` does).
  const upToDate = probed.probe.localDigests.some((d) => d.repository === repoName && d.digest === inspection.digest);

  const plans = picks.map((p) => planRun(p.platform, p.node, runnable, repoName, request.command));
  // the containers created while the registry was read are this run's only if they are of the index it serves now
  // and of the image the engine holds; else they go before any of the same name is created
  if (ahead && !(upToDate && ahead.digest === inspection.digest)) await ahead.discard();
  for (const plan of plans) task.addStep({ id: plan.stepId, title: `Run ${plan.platform}`, command: plan.command });

  let finished = 0;
  // every platform's layers add up to one byte count; the message names the platform that reported last
  let pulling = '';
  const pullBytes = taskLayerProgress(task, () => `pulling ${pulling}`);

  const ran = await mapLimitAll(plans, request.concurrency, async (plan) => {
    task.throwIfCancelled();
    task.step(plan.stepId, 'running');
    const precreated = ahead?.take(plan);
    const run = await runOnePlatform(plan, {
      docker: facts.docker,
      ...(precreated ? { precreated } : {}),
      facts,
      id,
      createFirst: upToDate && plan.image === runnable,
      timeoutMs,
      signal: task.signal,
      labels,
      onPullProgress: (layer, current, total) => {
        pulling = plan.platform;
        pullBytes.onLayer(`${plan.platform}\u0000${layer}`, current, total);
      },
    });
    task.throwIfCancelled();
    finished++;
    task.step(plan.stepId, run.result === 'fail' ? 'failed' : 'done', stepDetail(run));
    task.progress({ current: finished, total: plans.length, unit: 'steps', message: `${plan.platform}: ${run.result}` });
    return run;
  }).catch((error: unknown) => {
    throw engineLost(deps.engine, error) ?? error;
  });
  const verified = await verifying;
  task.throwIfCancelled();
  const runs = ran.map((run) => joinVerification(run, verified.byPlatform.get(normalPlatformText(run.platform)), { engineArch: facts.arch, ...(verified.error !== undefined && run.manifestDigest ? { error: verified.error } : {}) }));
  // a run the files overturned (it only looked right) says so in its step too, not just in the matrix
  runs.forEach((run, i) => {
    if (run.result !== ran[i]!.result) task.step(`run:${run.platform}`, 'failed', stepDetail(run));
  });

  const ended = new Date();
  const summary = {
    passed: runs.filter((r) => r.result === 'pass').length,
    failed: runs.filter((r) => r.result === 'fail').length,
    unverified: runs.filter((r) => r.result === 'unverified').length,
  };
  const matrix: RunMatrix = {
    id,
    reference,
    digest: inspection.digest,
    imagePlatforms: inspection.platforms,
    command: request.command ?? null,
    timeoutMs,
    concurrency: request.concurrency,
    engine: { endpoint: facts.endpoint, arch: facts.arch, ...(facts.version ? { version: facts.version } : {}) },
    emulationSource: facts.source,
    startedAt: started.toISOString(),
    endedAt: ended.toISOString(),
    durationMs: ended.getTime() - started.getTime(),
    runs,
    summary,
    ok: summary.failed === 0,
    hostChoices: hostVariantChoices(inspection.platforms, undefined, inspection.root.kind === 'manifest'),
  };
  return matrix;
}

/**
 * Runs `fn` over items with at most `limit` at once, in order. Unlike Promise.all it waits for every started
 * item before rejecting, so a cancelled matrix returns only after each container it started is removed.
 */
export async function mapLimitAll<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}

interface Verified {
  byPlatform: Map<string, PlatformVerification>;
  error?: unknown;
}

/**
 * Each platform's verification, by the index digest it was read under. The files behind a digest never change, so
 * a platform read once (without any read error) is not read again for the next run of that digest. Bounded.
 */
const verifiedBefore = new Map<string, PlatformVerification>();
const VERIFIED_BEFORE_MAX = 256;

function verifiedKey(pinned: string, platform: string, insecure: boolean | undefined): string {
  return `${pinned}\u0000${normalPlatformText(platform)}\u0000${insecure === undefined ? '' : String(insecure)}`;
}

function remember(key: string, verification: PlatformVerification): void {
  if (verification.error !== undefined || verification.layers.some((l) => l.error !== undefined)) return;
  verifiedBefore.delete(key);
  verifiedBefore.set(key, verification);
  while (verifiedBefore.size > VERIFIED_BEFORE_MAX) verifiedBefore.delete(verifiedBefore.keys().next().value!);
}

/**
 * Starts `registry:verify` of the chosen platforms that were not read before under this digest; never rejects (a
 * failure leaves each run's verdict unknown).
 */
function startVerification(request: RunMatrixRequest, digest: string, platforms: string[], task: TaskHandle): Promise<Verified> {
  if (platforms.length === 0) {
    task.step('verify', 'skipped', 'no platform of the image to check');
    return Promise.resolve({ byPlatform: new Map() });
  }
  const parsed = parseImageReference(request.reference);
  const pinned = `${parsed.registry}/${parsed.repository}@${digest}`;
  const byPlatform = new Map<string, PlatformVerification>();
  const toRead: string[] = [];
  for (const platform of platforms) {
    const known = verifiedBefore.get(verifiedKey(pinned, platform, request.insecure));
    if (known) byPlatform.set(normalPlatformText(platform), known);
    else toRead.push(platform);
  }
  const detail = (readNow: number) => {
    const verdicts = platforms.flatMap((p) => {
      const v = byPlatform.get(normalPlatformText(p));
      return v ? [`${v.platform} ${v.verdict}`] : [];
    });
    const before = platforms.length - readNow;
    return `${verdicts.join(', ')}${before > 0 ? ` (${before === platforms.length ? 'all' : before} read before under ${digest.slice(0, 19)}: the same files)` : ''}`;
  };
  if (toRead.length === 0) {
    task.step('verify', 'done', detail(0));
    return Promise.resolve({ byPlatform });
  }
  task.step('verify', 'running');
  return verifyReference({ reference: pinned, platforms: toRead, hostCheck: false, ...(request.insecure !== undefined ? { insecure: request.insecure } : {}) }, task.signal).then(
    (report: VerifyReport) => {
      for (const p of report.platforms) {
        byPlatform.set(normalPlatformText(p.platform), p);
        remember(verifiedKey(pinned, p.platform, request.insecure), p);
      }
      task.step('verify', 'done', detail(toRead.length));
      return { byPlatform };
    },
    (error: unknown) => {
      task.step('verify', 'failed', error instanceof Error ? error.message : String(error));
      return { byPlatform, error };
    },
  );
}

function stepDetail(run: PlatformRun): string {
  const printed = run.printed ? `printed ${run.printed}` : 'printed no machine name';
  return `${run.result}: ${printed}, ${run.execution}, ${formatDuration(run.durationMs)}${run.failure ? ` (${run.failure})` : ''}`;
}

function findNode(nodes: ManifestNode[], platform: string): ManifestNode | undefined {
  const wanted = normalPlatformText(platform);
  return nodes.find((n) => n.platformLabel && normalPlatformText(n.platformLabel) === wanted);
}

function configPlatformOf(node: ManifestNode | undefined): string | undefined {
  const s = node?.config?.summary;
  if (!s || s.os === 'unknown' || s.architecture === 'unknown') return undefined;
  return formatPlatform({ os: s.os, architecture: s.architecture, ...(s.variant ? { variant: s.variant } : {}) });
}

interface RunPlan {
  stepId: string;
  /** The platform as the index labels it (what the user asked for). */
  platform: string;
  node: ManifestNode | undefined;
  configPlatform: string | undefined;
  /** The entry's config names another platform: run that manifest by digest, as what it really is. */
  labelMismatch: boolean;
  image: string;
  runPlatform: string;
  cmd: string[] | undefined;
  command: string[];
}

function planRun(platform: string, node: ManifestNode | undefined, reference: string, repoName: string, cmd: string[] | undefined): RunPlan {
  const configPlatform = configPlatformOf(node);
  const labelMismatch = configPlatform !== undefined && node !== undefined && configContradictsLabel(configPlatform, platform);
  // The engine refuses to run an entry as a platform its config denies ("No such image"), so a mislabelled
  // entry runs by its digest as the platform it really is: what it prints then shows the mistake.
  const image = labelMismatch && node ? `${repoName}@${node.digest}` : reference;
  const runPlatform = labelMismatch && configPlatform ? configPlatform : platform;
  return {
    stepId: `run:${platform}`,
    platform,
    node,
    configPlatform,
    labelMismatch,
    image,
    runPlatform,
    cmd,
    command: runPlatformCommand(runPlatform, image, cmd),
  };
}

interface EngineProbe {
  connection: EngineConnection;
  engine: EngineFacts;
  binfmt: BinfmtState | null;
  /** registry/repository and digest of each RepoDigest of the local image the reference names (none when absent). */
  localDigests: Array<{ repository: string; digest: string }>;
}

/** The engine's facts, its emulators and the local copy of `image`, read together. */
async function probeEngine(deps: RunMatrixDeps, image: string | undefined, signal: AbortSignal): Promise<EngineProbe> {
  const connection = await deps.engine.connect(signal);
  const [engine, localDigests] = await Promise.all([engineFacts(connection), image ? localRepoDigests(connection.docker, image) : []]);
  const binfmt = engine.local ? await (deps.readBinfmt ?? (() => readBinfmtState()))() : null;
  return { connection, engine, binfmt, localDigests };
}

/** What the engine's copy of `image` was pulled as; empty when it has none (or cannot say). */
async function localRepoDigests(docker: Docker, image: string): Promise<Array<{ repository: string; digest: string }>> {
  let info: Docker.ImageInspectInfo;
  try {
    info = await docker.getImage(image).inspect();
  } catch {
    return [];
  }
  const out: Array<{ repository: string; digest: string }> = [];
  for (const text of info.RepoDigests ?? []) {
    try {
      const ref = parseImageReference(text);
      if (ref.digest) out.push({ repository: `${ref.registry}/${ref.repository}`, digest: ref.digest });
    } catch {
      // not a reference we can read: it proves nothing
    }
  }
  return out;
}

function runEngine(probe: EngineProbe, platforms: string[]): RunEngine {
  const { connection, engine, binfmt } = probe;
  const arch = engine.arch;
  const outcome = classifyPlatforms({ engineArch: arch, binfmt }, platforms);
  return {
    docker: connection.docker,
    endpoint: connection.endpoint,
    arch,
    ...(engine.serverVersion ? { version: engine.serverVersion } : {}),
    platforms: outcome.platforms,
    source: outcome.source,
  };
}

/** The name the engine pulls and runs: dockerode splits name and tag at the last ':' or '@', so a reference with both goes by its digest alone. */
function runnableOf(reference: string, mustParse = false): { repoName: string; runnable: string } | undefined {
  let parsed: ReturnType<typeof parseImageReference>;
  try {
    parsed = parseImageReference(reference);
  } catch (error) {
    if (mustParse) throw error;
    return undefined;
  }
  const repoName = `${parsed.registry}/${parsed.repository}`;
  return { repoName, runnable: parsed.digest && parsed.tag !== undefined ? `${repoName}@${parsed.digest}` : reference };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function executionOf(facts: RunEngine, platform: string): { execution: RunExecution; via?: string } {
  const status = facts.platforms.find((p) => p.platform === platform);
  if (!status) return { execution: 'unknown' };
  const execution: RunExecution = status.support === 'unavailable' && facts.source === 'none' ? 'unknown' : status.support;
  return { execution, ...(status.via ? { via: status.via } : {}) };
}

interface RunContext {
  docker: Docker;
  facts: RunEngine;
  id: string;
  timeoutMs: number;
  signal: AbortSignal;
  labels: Record<string, string>;
  /** The engine holds the image at the registry's digest: create the container first, pull only if that fails. */
  createFirst: boolean;
  /** This plan's container, created while the registry was read (undefined: that create failed). */
  precreated?: Promise<Docker.Container | undefined>;
  /** `total` undefined: the layer finished. */
  onPullProgress(layer: string, current: number, total: number | undefined): void;
}

async function runOnePlatform(plan: RunPlan, ctx: RunContext): Promise<PlatformRun> {
  const { execution, via } = executionOf(ctx.facts, plan.runPlatform);
  const base = {
    platform: plan.platform,
    ...(plan.node ? { manifestDigest: plan.node.digest } : {}),
    ...(plan.configPlatform ? { configPlatform: plan.configPlatform } : {}),
    execution,
    ...(via ? { executionVia: via } : {}),
    command: plan.command,
  };
  const failed = (failure: PlatformRun['failure'], explanation: string, error?: unknown): PlatformRun => {
    const verdict = judgeRun({ platform: plan.platform, stdout: '', stderr: '', exitCode: null, timedOut: false, execution, engineArch: ctx.facts.arch });
    return {
      ...base,
      expected: verdict.expected,
      expectedText: verdict.expectedText,
      printed: null,
      result: 'fail',
      ...(failure ? { failure } : {}),
      explanation,
      stdout: '',
      stderr: '',
      exitCode: null,
      timedOut: false,
      durationMs: 0,
      ...(error !== undefined ? { error: serializeError(error) } : {}),
    };
  };

  if (!plan.node) return failed('not-in-image', `The image has no ${plan.platform} entry, so there is nothing to run.`);
  if (plan.node.error) return failed('pull-failed', `The registry could not serve the ${plan.platform} manifest: ${plan.node.error.message}`, plan.node.error);

  const create = () => createRunContainer(ctx.docker, plan, ctx.id, ctx.labels);

  let container: Docker.Container | undefined = ctx.precreated ? await ctx.precreated : undefined;
  if (!container && ctx.createFirst) {
    try {
      container = await create();
    } catch (error) {
      if (ctx.signal.aborted || isEngineConnectionError(error)) throw error;
      // the engine lacks this platform's content (or will not use it): pull it, then create, as below
    }
  }
  let pullMs: number | undefined;
  if (!container) {
    const pullStarted = Date.now();
    try {
      // The manifest says how big each layer is; the engine's events name layers by the first 12 hex digits.
      const layers = [plan.node.config, ...plan.node.layers].filter((l): l is NonNullable<typeof l> => Boolean(l));
      for (const l of layers) ctx.onPullProgress(shortId(l.digest), 0, l.size);
      await pullImage(ctx.docker, plan.image, { platform: plan.runPlatform, signal: ctx.signal, onLayer: ctx.onPullProgress });
      for (const l of layers) ctx.onPullProgress(shortId(l.digest), 0, undefined);
    } catch (error) {
      if (ctx.signal.aborted || isEngineConnectionError(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      return failed('pull-failed', `${message.replace(/\.$/, '')} (for ${plan.runPlatform}). Check that the registry is running and reachable from the engine.`, error);
    }
    pullMs = Date.now() - pullStarted;
    try {
      container = await create();
    } catch (error) {
      if (ctx.signal.aborted || isEngineConnectionError(error)) throw error;
      return { ...failed('engine-error', `The engine would not create a ${plan.runPlatform} container from ${plan.image}: ${engineMessage(error)}`, error), pullMs };
    }
  }
  const created: Docker.Container = container;
  let timedOut = false;
  let startError: string | undefined;
  let exitCode: number | null = null;
  let removed = false;
  const kill = () => created.kill().catch(() => undefined);
  const onAbort = () => void kill();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    // As `docker run --rm`: attached before the start, so nothing it prints is missed, and removed by the engine
    // the moment it exits; the wait answers once it is gone.
    const raw: Buffer[] = [];
    const stream = (await created.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
    const ended = new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => raw.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))));
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
    const gone = created.wait({ condition: 'removed' }) as Promise<{ StatusCode?: number }>;
    gone.catch(() => undefined);
    const started = Date.now();
    let exited = started;
    try {
      await created.start();
    } catch (error) {
      startError = engineMessage(error);
      (stream as unknown as { destroy?: () => void }).destroy?.();
    }
    if (startError === undefined) {
      const timer = setTimeout(() => {
        timedOut = true;
        void kill();
      }, ctx.timeoutMs);
      try {
        // its output ends when it exits; the engine removes it right after
        await ended;
        exited = Date.now();
        const status = await gone;
        removed = true;
        exitCode = typeof status.StatusCode === 'number' ? status.StatusCode : null;
      } finally {
        clearTimeout(timer);
      }
      // dockerd on its way down kills its containers and still answers their waits: a failed exit is the platform's
      // result only while the engine is there (before AutoRemove, the logs request after the wait proved it)
      if (exitCode !== 0 && !timedOut && !ctx.signal.aborted) {
        await ctx.docker.ping().catch((error: unknown) => {
          if (isEngineConnectionError(error)) throw error;
        });
      }
    }
    const durationMs = (startError === undefined ? exited : Date.now()) - started;
    if (ctx.signal.aborted) throw new AppError('cancelled', `The run of ${plan.platform} was cancelled.`);

    const output = demuxDockerStream(Buffer.concat(raw));
    const verdict = judgeRun({
      platform: plan.platform,
      stdout: output.stdout,
      stderr: output.stderr,
      exitCode,
      timedOut,
      timeoutMs: ctx.timeoutMs,
      execution,
      engineArch: ctx.facts.arch,
      ...(plan.labelMismatch && plan.configPlatform ? { configPlatform: plan.configPlatform } : {}),
      ...(startError !== undefined ? { startError } : {}),
    });
    const run: PlatformRun = {
      ...base,
      ...verdict,
      stdout: output.stdout,
      stderr: output.stderr,
      ...(output.truncated ? { outputTruncated: true } : {}),
      exitCode,
      timedOut,
      durationMs,
      ...(pullMs !== undefined ? { pullMs } : {}),
    };
    return correctExecution(run, ctx.facts.arch);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    // a container that did not start (or whose wait failed) is removed here
    if (!removed) await created.remove({ force: true }).catch(() => undefined);
  }
}

/** As `docker run --rm` creates it: attached to its output, removed by the engine when it exits. */
function createRunContainer(docker: Docker, plan: RunPlan, id: string, labels: Record<string, string>): Promise<Docker.Container> {
  return docker.createContainer({
    name: `multiarch-lab-run-${id}-${plan.platform.replace(/[^a-zA-Z0-9]+/g, '-')}`.slice(0, 120),
    Image: plan.image,
    platform: plan.runPlatform,
    ...(plan.cmd ? { Cmd: plan.cmd } : {}),
    Labels: labels,
    Tty: false,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: false,
    HostConfig: { AutoRemove: true },
  });
}

/**
 * The index each reference named when it was last read (content-addressed: the same digest is the same platforms
 * and entries), so the next matrix of it can create its containers while the registry is read again. Bounded.
 */
const inspectedBefore = new Map<string, { digest: string; platforms: string[]; nodes: ManifestNode[] }>();
const INSPECTED_BEFORE_MAX = 64;

function inspectedKey(request: RunMatrixRequest): string {
  return `${request.reference}\u0000${request.insecure === undefined ? '' : String(request.insecure)}`;
}

function rememberInspection(request: RunMatrixRequest, digest: string, platforms: string[], nodes: ManifestNode[]): void {
  const key = inspectedKey(request);
  inspectedBefore.delete(key);
  inspectedBefore.set(key, { digest, platforms, nodes });
  while (inspectedBefore.size > INSPECTED_BEFORE_MAX) inspectedBefore.delete(inspectedBefore.keys().next().value!);
}

interface CreatedAhead {
  /** The index digest the containers were planned from. */
  digest: string;
  /** The plan's container if one was created ahead for the same image and platform; it is then the caller's to remove. */
  take(plan: RunPlan): Promise<Docker.Container | undefined> | undefined;
  /** Removes every container not taken, and waits until they are gone. */
  discard(): Promise<void>;
}

/**
 * The first `concurrency` containers of the matrix the index read last time plans, created now, before the
 * registry answers (what `docker run` does first): the registry's answer decides whether they are used.
 */
function createAhead(request: RunMatrixRequest, early: { repoName: string; runnable: string }, engine: EngineAccess, labels: Record<string, string>, id: string, signal: AbortSignal): CreatedAhead | undefined {
  const before = inspectedBefore.get(inspectedKey(request));
  if (!before) return undefined;
  const chosen = [...new Map((request.platforms ?? before.platforms).map((p) => [normalPlatformText(p), p])).values()];
  const plans = chosen
    .map((platform) => planRun(platform, findNode(before.nodes, platform), early.runnable, early.repoName, request.command))
    .filter((plan) => plan.node && !plan.node.error && plan.image === early.runnable)
    .slice(0, Math.max(1, request.concurrency));
  // only on the engine already connected: finding one is the probe's work, and its failure is reported there
  const connection = engine.current();
  if (plans.length === 0 || !connection || signal.aborted) return undefined;
  const made = new Map<string, { plan: RunPlan; container: Promise<Docker.Container | undefined>; taken: boolean }>();
  for (const plan of plans) {
    const container = createRunContainer(connection.docker, plan, id, labels).catch(() => undefined);
    made.set(plan.stepId, { plan, container, taken: false });
  }
  return {
    digest: before.digest,
    take(plan) {
      const entry = made.get(plan.stepId);
      // a plan that will not reach its create (no entry, or one the registry failed to serve now) leaves it to discard()
      if (!entry || entry.taken || !plan.node || plan.node.error || entry.plan.image !== plan.image || entry.plan.runPlatform !== plan.runPlatform) return undefined;
      entry.taken = true;
      return entry.container;
    },
    async discard() {
      const left = [...made.values()].filter((e) => !e.taken);
      for (const e of left) e.taken = true;
      await Promise.all(left.map(async (e) => (await e.container)?.remove({ force: true }).catch(() => undefined)));
    },
  };
}

/**
 * An entry whose binaries are for the engine's own CPU ran natively, whatever its label says: say so, rather than
 * claim the emulator ran it.
 */
function correctExecution(run: PlatformRun, engineArch: string): PlatformRun {
  if ((run.failure !== 'mismatch' && run.failure !== 'label-mismatch') || !run.printed) return run;
  const family = machineFamily(run.printed);
  const own = normalizeArch(engineArch);
  if (!family || !own || family !== own || run.execution === 'native') return run;
  return {
    ...run,
    execution: 'native',
    executionVia: `the engine's own CPU (${engineArch}): the binaries are ${family}, so no emulator was involved`,
  };
}

/**
 * The engine went away in the middle of the matrix (dockerd stopped, its socket gone): that fails the whole task
 * as the engine's doing, rather than as a platform's result or an unexplained socket error.
 */
function engineLost(engine: EngineAccess, error: unknown): AppError | undefined {
  if (error instanceof AppError || !isEngineConnectionError(error)) return undefined;
  engine.invalidate();
  const code = (error as { code: string }).code;
  return new AppError('engine-unreachable', `The Docker engine stopped answering in the middle of the run (${code}), so it could not finish.`, {
    hint: 'Start Docker again (multiarch-lab doctor shows what it finds), then run the matrix again.',
    cause: error,
  });
}

function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
