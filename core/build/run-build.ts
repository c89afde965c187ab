/**
 * `build:run`: checks the project, picks the builder, and runs one of the two flows as a task.
 *  - modern: one `docker buildx build --platform a,b,c` that builds every platform and pushes the list; with the
 *    registry cache on a builder with several nodes, split (see registryCachePlan): one build per node's pinned
 *    platforms and one per platform no node pins, at once, each writing its platforms' own cache refs and
 *    pushing by digest, joined into one list through the registry API (what `docker buildx imagetools create`
 *    does);
 *  - old-school: per platform in parallel, `docker build --platform P` + `docker push` of a per-platform tag,
 *    then the pushed manifests joined into one list through the registry API (what `docker manifest
 *    create` + `docker manifest push` do).
 * Either way the result is read back from the registry, so what is reported is what is there.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type {
  BuildMode,
  BuildResult,
  BuildRunParsed,
  BuildStepProgress,
  DockerfileWarning,
  NodeBuildResult,
  PlatformImage,
  PlatformProgress,
} from '../contract/build.js';
import { AppError, serializeError } from '../contract/errors.js';
import type { BuildAfterPushFailure } from '../contract/build.js';
import type { BuilderInfo } from '../contract/builder.js';
import type { EngineAccess } from '../docker/engine.js';
import { engineGet } from '../docker/engine-http.js';
import type { CommandResult } from '../docker/exec.js';
import { describeEngine, enginePlatform } from '../doctor/doctor.js';
import type { EventBus } from '../events.js';
import type { RegistryClient } from '../registry/client.js';
import { formatPlatform, parsePlatform, samePlatform } from '../platform.js';
import { classifyIndexEntry, createIndex, MediaTypes, parseManifestDocument, type IndexEntryInput } from '../registry/manifest.js';
import { parseImageReference, DOCKER_HUB, isLoopbackRegistry, type ImageRef } from '../registry/reference.js';
import { ADD_PLAIN_HTTP_ACTION, engineNeedsInsecureRegistryError } from '../registry/plain-http.js';
import type { Decided, PlainHttpRegistries } from '../registry/plain-http-sources.js';
import type { SettingsStore } from '../settings.js';
import type { TaskHandle, TaskManager, StepSpec } from '../tasks.js';
import {
  buildEquivalents,
  cacheRefFor,
  imagetoolsInspectEquivalent,
  manifestCreateEquivalent,
  manifestPushEquivalent,
  modernBuildArgs,
  modernEquivalent,
  nodeBuildArgs,
  nodeBuildEquivalent,
  oldSchoolBuildArgs,
  oldSchoolBuildEquivalent,
  parseBuildMetadata,
  parsePushDigest,
  platformTag,
  pushEquivalent,
  repositoryPart,
  type BuildCommandOptions,
  type NodeBuild,
} from '../commands/build.js';
import { registryCachePlan } from '../commands/build-cache.js';
import { parseBuildxInspect } from '../docker/parsers/buildx-inspect.js';
import { fromInspect } from '../builder/model.js';
import { nativePlatformOf, nodeNativePlatform } from '../builder/node-platform.js';
import { checkProject } from './check.js';
import { buildFailedError, pushLoginRefused, pushRegistryGone } from './errors.js';
import { BuildHistory } from './history.js';
import { placementBeforeBuild, placementFrom, readPlacement, type BuildPlacement } from './placement.js';
import { BuildProgressTracker } from './rawjson.js';
import { BuildReporter } from './reporter.js';
import { buildTiming, runsNatively } from './timing.js';
import { parseInstructions, parseStages } from './readiness.js';

export interface BuildDeps {
  engine: EngineAccess;
  events: EventBus;
  tasks: TaskManager;
  settings: SettingsStore;
  /** The one plain-HTTP list: decides HTTP or HTTPS for the push and for every read of the registry. */
  plainHttp: PlainHttpRegistries;
  /** Where the build history is kept; no history without it. */
  dataDir?: string;
}

export interface BuilderChoice {
  name: string;
  /** Why this builder, in words shown to the user. */
  reason: string;
}

/** Which builder builds, when the user did not say. */
export function chooseBuilder(opts: {
  mode: BuildMode;
  requested?: string;
  containerdImageStore: boolean;
  /** The engine's own builder: named after the docker context ("default" without one). */
  defaultBuilder: string;
  /** The host-networked builder from settings. */
  configuredBuilder: string;
}): BuilderChoice {
  if (opts.requested) return { name: opts.requested, reason: `the builder you chose (${opts.requested})` };
  if (opts.mode === 'old-school') {
    return { name: opts.defaultBuilder, reason: `the engine's own builder (${opts.defaultBuilder}): each build is for one platform, which every image store can hold` };
  }
  if (opts.containerdImageStore) {
    return { name: opts.defaultBuilder, reason: `the engine's own builder (${opts.defaultBuilder}): the containerd image store holds every platform of one image` };
  }
  return {
    name: opts.configuredBuilder,
    reason: `the host-networked builder (${opts.configuredBuilder}): the engine's own builder cannot build several platforms at once with the classic image store`,
  };
}

interface Prepared {
  input: BuildRunParsed;
  ref: ImageRef;
  tag: string;
  context: string;
  dockerfile: string;
  warnings: DockerfileWarning[];
  /** The Dockerfile as read before the build (its $BUILDPLATFORM stages tell the timing what ran natively). */
  text: string;
  /**
   * The app's own engine's native platform by the endpoints a builder node names it with (read once, while the
   * build starts; empty when the engine did not say). Never rejects.
   */
  knownNatives: Promise<Record<string, string>>;
  builder: BuilderChoice;
  cmd: BuildCommandOptions;
  plainHttp: Decided;
  cache?: BuildResult['cache'];
  /** The builder as `docker buildx inspect` showed it before the build, when the cache plan asked (its nodes and pins). */
  builderInfo?: BuilderInfo;
}

const PREFLIGHT_TIMEOUT_MS = 5_000;

/**
 * Before any build: a registry that is not in the plain-HTTP list is asked over HTTPS only. One that answers
 * in plain HTTP stops the build here with the action that adds it, instead of after the builds; nothing is sent
 * over HTTP. Any other answer (or none) is left to the build, which reports it in its own words.
 */
async function preflightHttps(deps: BuildDeps, ref: ImageRef, signal?: AbortSignal): Promise<void> {
  if (ref.registry === DOCKER_HUB || isLoopbackRegistry(ref.registry)) return;
  const client = await deps.plainHttp.client(ref.registry, { timeoutMs: PREFLIGHT_TIMEOUT_MS, ...(signal ? { signal } : {}) });
  if (client.plainHttp) return;
  try {
    await client.ping();
  } catch (error) {
    if (error instanceof AppError && (error.details as { action?: unknown } | undefined)?.action === ADD_PLAIN_HTTP_ACTION) throw error;
  }
}

/**
 * The builder's driver, node count and which node takes each platform, as `docker buildx inspect` prints them;
 * undefined when it cannot be read.
 */
async function builderShape(
  deps: BuildDeps,
  name: string,
  signal?: AbortSignal,
): Promise<{ driver: string; nodes: number; platformNodes: { platform: string; node: string; pinned: boolean }[]; nodeNames: string[]; info: BuilderInfo } | undefined> {
  const r = await deps.engine.cli().run(['buildx', 'inspect', name], { allowFailure: true, timeoutMs: 30_000, ...(signal ? { signal } : {}) });
  if (r.code !== 0) return undefined;
  const parsed = parseBuildxInspect(r.stdout);
  if (!parsed) return undefined;
  const info = fromInspect(parsed, false);
  return { driver: parsed.driver, nodes: parsed.nodes.length, platformNodes: info.platformNodes.map((pn) => ({ platform: pn.platform, node: pn.node, pinned: pn.pinned })), nodeNames: info.nodes.map((n) => n.name), info };
}

/** Checks the context and Dockerfile and picks the builder; fails before any task starts. */
export async function prepareBuild(deps: BuildDeps, input: BuildRunParsed, signal?: AbortSignal): Promise<Prepared> {
  const ref = parseImageReference(input.tag);
  if (ref.digest) throw new AppError('invalid-input', `${input.tag} names a digest; a build pushes to a tag.`, { hint: 'Use a reference like localhost:5000/hello:1.' });
  // The same checks the Build view runs before a build: the folder, its Dockerfile, the heredoc lint.
  const { context, dockerfile, warnings, text } = await checkProject({ context: input.context, ...(input.dockerfile ? { dockerfile: input.dockerfile } : {}) });

  const connection = await deps.engine.connect(signal);
  // The engine's facts (`/info`) choose the builder only for a modern build without one named (the image store
  // decides); otherwise all the build needs of them is the engine's own platform, for the placement, read from
  // `/version` while the build starts: nothing waits for it before the buildx command.
  const storeDecides = input.mode === 'modern' && !input.builder;
  const [facts, settings] = await Promise.all([storeDecides ? describeEngine(connection, signal) : undefined, deps.settings.read()]);
  const ownNative: Promise<string | undefined> = facts
    ? Promise.resolve(nativePlatformOf(facts.os, facts.arch))
    : enginePlatform(connection, signal).catch(() => undefined);
  await deps.engine.cli().requireBuildx(signal);
  const builderOpts: Parameters<typeof chooseBuilder>[0] = {
    mode: input.mode,
    containerdImageStore: facts?.containerdImageStore ?? false,
    defaultBuilder: connection.cliEnv.DOCKER_CONTEXT ?? 'default',
    configuredBuilder: settings.builder.name,
  };
  if (input.builder) builderOpts.requested = input.builder;
  const builder = chooseBuilder(builderOpts);

  const plainHttp = await deps.plainHttp.decide(ref.registry, { ...(input.insecure ? { requested: true } : {}), ...(signal ? { signal } : {}) });
  if (!plainHttp.plainHttp) await preflightHttps(deps, ref, signal);
  // docker push follows the engine's list, not ours: say what to change before building, not after.
  if (input.mode === 'old-school' && plainHttp.plainHttp && !plainHttp.engineInsecure) {
    throw engineNeedsInsecureRegistryError(ref.registry, plainHttp, plainHttp.engineRegistries, 'old-school');
  }

  const cmd: BuildCommandOptions = { context, builder: builder.name, plainHttp: plainHttp.plainHttp };
  if (input.dockerfile) cmd.dockerfile = dockerfile;
  if (input.noCache) cmd.noCache = true;
  if (input.buildArgs) cmd.buildArgs = input.buildArgs;
  if (input.labels) cmd.labels = input.labels;
  let cache: BuildResult['cache'];
  let builderInfo: BuilderInfo | undefined;
  if (input.cacheRef) {
    // The docker driver cannot export a cache to a registry: build without it and say so, rather than fail.
    // The same plan the Build view shows before the build, from the same two facts (driver, nodes).
    const shape = await builderShape(deps, builder.name, signal);
    builderInfo = shape?.info;
    const plan = registryCachePlan({ cacheRef: input.cacheRef, mode: input.mode, platforms: input.platforms, builder: shape ? { name: builder.name, ...shape } : undefined, builderName: builder.name });
    Object.assign(cmd, plan.options);
    cache = { ref: plan.ref, used: plan.used, ...(plan.refs ? { refs: plan.refs } : {}), ...(plan.reason ? { reason: plan.reason } : {}) };
    if (plan.split) cache.split = plan.split.map((g) => ({ node: g.node, plannedNode: g.node, confirmed: false, platforms: [...g.platforms], refs: g.platforms.map((pl) => cacheRefFor(plan.ref, pl)) }));
    if (cmd.cacheRef) {
      // The cache may live in another registry than the image: it follows the plain-HTTP list on its own.
      const cacheRegistry = parseImageReference(input.cacheRef).registry;
      cmd.cachePlainHttp = cacheRegistry === ref.registry ? plainHttp.plainHttp : (await deps.plainHttp.decide(cacheRegistry, signal ? { signal } : {})).plainHttp;
    }
  }
  const knownNatives = ownNative.then((native) => {
    const known: Record<string, string> = {};
    if (native) {
      // a node on this same engine names it by its socket, or by the docker context the app selected for it
      known[connection.endpoint] = native;
      if (connection.cliEnv.DOCKER_CONTEXT) known[connection.cliEnv.DOCKER_CONTEXT] = native;
      // with DOCKER_HOST set (and no context chosen) the CLI's "default" context is this engine
      else if (connection.cliEnv.DOCKER_HOST) known.default = native;
    }
    return known;
  });
  return { input, ref, tag: ref.tag ?? 'latest', context, dockerfile, warnings, text, knownNatives, builder, cmd, plainHttp, ...(cache ? { cache } : {}), ...(builderInfo ? { builderInfo } : {}) };
}

export async function runBuild(deps: BuildDeps, input: BuildRunParsed, signal?: AbortSignal): Promise<BuildResult> {
  const prepared = await prepareBuild(deps, input, signal);
  const { ref, cmd } = prepared;
  const platforms = input.platforms;
  const title = `Build ${ref.original} for ${platforms.join(', ')} (${input.mode === 'modern' ? 'modern' : 'old-school'})`;
  const steps: StepSpec[] = [];
  const split = input.mode === 'modern' && cmd.nodeBuilds && cmd.nodeBuilds.length > 1 ? cmd.nodeBuilds : undefined;
  if (split) {
    const repository = repositoryPart(ref);
    for (const g of split) {
      steps.push({
        id: splitStepId(g),
        title: `Build ${g.platforms.join(', ')} on node ${g.node} with its own cache and push it by digest (buildx, builder ${prepared.builder.name})`,
        command: nodeBuildEquivalent(cmd, g, repository),
      });
    }
    for (const p of platforms) steps.push({ id: `platform:${p}`, title: `${p}: every step` });
    steps.push({ id: 'join', title: `Join the nodes' images into one manifest list as ${ref.original} (registry API, as docker buildx imagetools create)`, command: buildEquivalents('modern', cmd, platforms, ref).at(-1)! });
  } else if (input.mode === 'modern') {
    steps.push({ id: 'build', title: `Build every platform and push the list in one buildx command (builder ${prepared.builder.name})`, command: modernEquivalent(cmd, platforms, ref.original) });
    for (const p of platforms) steps.push({ id: `platform:${p}`, title: `${p}: every step` });
  } else {
    for (const p of platforms) {
      const tag = platformTag(ref, p);
      steps.push({ id: `build:${p}`, title: `Build ${p} on its own (docker build, builder ${prepared.builder.name})`, command: oldSchoolBuildEquivalent(cmd, p, tag) });
      steps.push({ id: `push:${p}`, title: `Push ${tag} (docker push)`, command: pushEquivalent(tag) });
    }
    const tags = platforms.map((p) => platformTag(ref, p));
    steps.push({ id: 'join', title: 'Join the pushed images into one manifest list (registry API, as docker manifest create)', command: manifestCreateEquivalent(ref, ref.original, tags, prepared.plainHttp.plainHttp) });
    steps.push({ id: 'push-list', title: `Push the manifest list as ${ref.original} (registry API, as docker manifest push)`, command: manifestPushEquivalent(ref, ref.original, prepared.plainHttp.plainHttp) });
  }
  steps.push({ id: 'verify', title: 'Read the pushed list back from the registry', command: imagetoolsInspectEquivalent(ref.original) });

  return deps.tasks.run('build:run', title, steps, async (task) => {
    const reporter = new BuildReporter(deps.events, task, input.mode, input.mode === 'modern' ? platforms : []);
    reporter.note(`Builder: ${prepared.builder.reason}.`);
    if (prepared.plainHttp.plainHttp && prepared.plainHttp.source !== 'loopback') reporter.note(`Registry: ${prepared.plainHttp.reason}.`);
    if (prepared.cache && !prepared.cache.used) reporter.note(`warning: no registry cache: ${prepared.cache.reason}.`);
    if (split && prepared.cache?.reason) reporter.note(`Split per node: ${prepared.cache.reason}.`);
    for (const w of prepared.warnings) reporter.note(`warning: ${w.message} ${w.hint}`);
    try {
      const result = split
        ? await runSplit(deps, prepared, task, reporter, split)
        : input.mode === 'modern'
          ? await runModern(deps, prepared, task, reporter)
          : await runOldSchool(deps, prepared, task, reporter);
      if (deps.dataDir) {
        // The build is done and pushed; a history that cannot be written must not turn it into a failure.
        await new BuildHistory(deps.dataDir).append(BuildHistory.entryOf(result, input.noCache === true)).catch((error: unknown) => {
          reporter.note(`warning: the build history could not be written: ${error instanceof Error ? error.message : String(error)}`);
        });
      }
      return result;
    } finally {
      reporter.close();
    }
  }, signal);
}

async function runModern(deps: BuildDeps, p: Prepared, task: TaskHandle, reporter: BuildReporter): Promise<BuildResult> {
  const started = Date.now();
  const platforms = p.input.platforms;
  // BuildKit leaves the platform out of step names when it builds only one
  const tracker = new BuildProgressTracker({ platforms, ...(platforms.length === 1 ? { defaultPlatform: platforms[0] } : {}), onLog: (l) => reporter.log(l) });
  const args = modernBuildArgs(p.cmd, platforms, p.ref.original);
  // Which node takes which platform is known from the builder's pins: the live timeline says so once read.
  let planned: BuildPlacement | undefined;
  const planning = planPlacement(deps, p, platforms, task, reporter, (read) => (planned = read));
  task.step('build', 'running');
  const result = await runTracked(deps, args, tracker, reporter, task.signal, () => withNodes(tracker.platforms(), planned));
  await planning;
  if (result.code !== 0) {
    const error = failure(tracker, ['docker', ...args], result, reporter);
    reporter.close(tracker.platforms());
    // only the push meets the login: a base image behind a login fails as pull-failed above
    const pushFailed = error.code !== 'pull-failed' && /failed to push/i.test(error.message);
    throw (pushFailed && (pushLoginRefused(p.ref.registry, p.ref.original, error.message, error.details) ?? pushRegistryGone(p.ref.registry, p.ref.original, error.message, error.details))) || error;
  }
  reporter.close(tracker.platforms());
  task.step('build', 'done');
  const buildMs = Date.now() - started;

  // From here on the image is in the registry: a failure is reported with the result, never as a failed build.
  // Everything read after the build at once: the pushed list, the placement (when not read yet), the local images.
  const [verified, placement, localImages] = await Promise.all([
    afterPush(task, reporter, 'verify', 'Read the pushed list back from the registry', () => readBack(deps, p, task.signal)),
    planned ?? placementAfterBuild(deps, p, platforms, task),
    existingImages(deps, [p.ref.original]),
  ]);
  const pushed = verified.value ?? NOTHING_READ_BACK;
  const timeline = withNodes(tracker.platforms(), placement);
  return {
    mode: 'modern',
    reference: p.ref.original,
    registry: p.ref.registry,
    repository: p.ref.repository,
    tag: p.tag,
    ...pushed,
    builder: p.builder.name,
    durations: { totalMs: Date.now() - started, buildMs },
    commands: [modernEquivalent(p.cmd, platforms, p.ref.original), imagetoolsInspectEquivalent(p.ref.original)],
    timeline,
    timing: buildTiming(timeline, placement?.placementOf ?? (() => ({})), { buildPlatformStages: buildPlatformStages(p.text) }),
    ...(p.cache ? { cache: p.cache } : {}),
    logTail: reporter.logTail(),
    logLineCount: reporter.lineCount,
    warnings: p.warnings,
    localImages,
    pushed: [p.ref.original],
    ...plainHttpNote(p),
    ...(verified.failure ? { afterPush: verified.failure } : {}),
  };
}

/** One node's share of a build split per node, while it runs. */
interface NodeJob {
  group: NodeBuild;
  tracker: BuildProgressTracker;
  metadataFile: string;
  digest?: string;
  /** The node buildx's metadata names as the one that ran this build. */
  ranOn?: string;
  state: 'waiting' | 'running' | 'done' | 'failed' | 'cancelled';
}

/**
 * A modern build split per node (the registry cache on a builder with several nodes, see registryCachePlan): the
 * `docker buildx build`s of `groups` at once, each for its platforms, reading and writing their own cache refs and
 * pushing by digest; then the digests joined into one list under the tag through the registry API (what
 * `docker buildx imagetools create` does). One build failing cancels the others, and nothing is put under the tag
 * unless every build's image is there.
 */
async function runSplit(deps: BuildDeps, p: Prepared, task: TaskHandle, reporter: BuildReporter, groups: readonly NodeBuild[]): Promise<BuildResult> {
  const started = Date.now();
  const platforms = p.input.platforms;
  const repository = repositoryPart(p.ref);
  const cacheRef = p.cmd.cacheRef ?? '';
  // where each node's build writes its metadata (the digest it pushed, the node that ran it)
  const dir = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-split-'));
  const inner = new AbortController();
  const forward = () => inner.abort(task.signal.reason);
  task.signal.addEventListener('abort', forward, { once: true });

  const jobs: NodeJob[] = groups.map((group, i) => ({
    group,
    state: 'waiting',
    metadataFile: path.join(dir, `node-${i}.json`),
    tracker: new BuildProgressTracker({
      platforms: group.platforms,
      ...(group.platforms.length === 1 ? { defaultPlatform: group.platforms[0] } : {}),
      onLog: (l) => reporter.log(l.platform || group.platforms.length > 1 ? l : { ...l, platform: group.platforms[0]! }),
    }),
  }));
  const jobOf = (platform: string): NodeJob => jobs.find((j) => j.group.platforms.includes(platform))!;
  const nodeOf = (job: NodeJob): string => job.ranOn ?? job.group.node;
  const timeline = (): PlatformProgress[] =>
    platforms.map((platform) => {
      const job = jobOf(platform);
      const progress = job.tracker.platforms().find((x) => x.platform === platform) ?? emptyPlatform(platform);
      return { ...progress, node: nodeOf(job) };
    });

  // Each node's native platform, for the live notes and the timing: read beside the builds, from the nodes the plan
  // was made from (no second `buildx inspect`), asking only the engines not known yet.
  let planned: BuildPlacement | undefined;
  const planning = (async () => {
    try {
      const known = await p.knownNatives;
      const info = p.builderInfo;
      if (info) {
        const natives: Record<string, string | undefined> = {};
        await Promise.all(info.nodes.map(async (n) => (natives[n.name] = known[n.endpoint] ?? (await nodeNativePlatform(deps.engine.cli(), n.endpoint, task.signal)))));
        planned = placementFrom(info, natives, platforms);
      } else planned = await readPlacement(deps.engine.cli(), p.builder.name, platforms, task.signal, known);
    } catch {
      return; // no node's platform known: the timing then says it cannot tell
    }
    for (const job of jobs) {
      const node = planned?.nodes.find((n) => n.node === job.group.node);
      const how = node?.nativePlatform ? job.group.platforms.map((pl) => `${pl} ${runsNatively(pl, node.nativePlatform!) ? 'natively' : 'emulated'}`).join(', ') : `${job.group.platforms.join(', ')} (its own platform unknown)`;
      reporter.note(`Node ${job.group.node}${node ? ` (${node.endpoint})` : ''} builds ${how}, in a buildx build of its own with the cache ${job.group.platforms.map((pl) => cacheRefFor(cacheRef, pl)).join(', ')}.`);
    }
  })();

  const runJob = async (job: NodeJob): Promise<void> => {
    const args = nodeBuildArgs(p.cmd, job.group, repository, job.metadataFile);
    const step = splitStepId(job.group);
    job.state = 'running';
    task.step(step, 'running');
    const built = await runTracked(deps, args, job.tracker, reporter, inner.signal, timeline);
    if (built.code !== 0) {
      job.state = 'failed';
      throw onNode(failure(job.tracker, ['docker', ...args], built, reporter), job.group, p, timeline());
    }
    const meta = await readBuildMetadata(job.metadataFile);
    if (!meta.digest) {
      job.state = 'failed';
      throw new AppError('command-failed', `The build of ${job.group.platforms.join(', ')} on node ${job.group.node} finished, but buildx named no pushed digest in its metadata file.`, {
        hint: 'Nothing was put under the tag. Build again; if it goes on, run the command yourself and look for "pushing manifest" at the end of its output.',
        details: { command: nodeBuildEquivalent(p.cmd, job.group, repository), node: job.group.node, nodePlatforms: job.group.platforms },
      });
    }
    job.digest = meta.digest;
    if (meta.node) job.ranOn = meta.node;
    job.state = 'done';
    task.step(step, 'done');
    reporter.progress(timeline);
  };

  let outcomes: PromiseSettledResult<void>[];
  try {
    outcomes = await Promise.allSettled(
      jobs.map((job) =>
        runJob(job).catch((error: unknown) => {
          // one build failing stops the others: their images would be only part of the list
          if (job.state === 'running') job.state = inner.signal.aborted ? 'cancelled' : 'failed';
          if (!inner.signal.aborted) inner.abort(error);
          throw error;
        }),
      ),
    );
  } finally {
    task.signal.removeEventListener('abort', forward);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
  await planning;
  reporter.close(timeline());
  task.throwIfCancelled();
  const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as unknown);
  if (failed.length) {
    for (const job of jobs) {
      if (job.state === 'cancelled') task.step(splitStepId(job.group), 'cancelled', 'stopped: another build of this split failed');
      else if (job.state === 'failed') task.step(splitStepId(job.group), 'failed');
    }
    task.step('join', 'skipped', 'a build failed: nothing was put under the tag');
    throw failed.find((e) => !(e instanceof AppError && e.code === 'cancelled')) ?? failed[0];
  }
  const buildMs = Date.now() - started;
  for (const job of jobs) {
    if (job.ranOn && job.ranOn !== job.group.node) {
      reporter.note(`warning: buildx ran ${job.group.platforms.join(', ')} on node ${job.ranOn}, not on ${job.group.node} as the builder's nodes said before the build; the timeline names the node that ran it.`);
    }
  }

  // Every node's image is in the registry by digest: from here a failure is reported with the result.
  const joinStarted = Date.now();
  const digests = jobs.map((j) => j.digest);
  const commands = buildEquivalents('modern', p.cmd, platforms, p.ref, digests);
  task.stepCommand('join', commands.at(-1)!);
  const pushedRefs = jobs.map((j) => `${repository}@${j.digest!}`);
  const joined = await afterPush(task, reporter, 'join', `Join the nodes' images into one manifest list as ${p.ref.original}`, async () => {
    const client = await deps.plainHttp.client(p.ref.registry, { signal: task.signal, ...requested(p) });
    const entries: (IndexEntryInput & { platform: string })[] = [];
    for (const job of jobs) entries.push(...(await pushedEntries(client, p.ref.repository, job.digest!, `${repository}@${job.digest!}`, job.group.platforms)));
    const index = createIndex(entries, { format: entries.every((e) => e.mediaType === MediaTypes.dockerManifest) ? 'docker' : 'oci' });
    task.throwIfCancelled();
    await client.putManifest(p.ref.repository, p.tag, index.mediaType, index.text);
  });
  let laterFailure = joined.failure;
  if (!laterFailure) pushedRefs.push(p.ref.original);
  const joinMs = Date.now() - joinStarted;

  let pushed = NOTHING_READ_BACK;
  if (!laterFailure) {
    const verified = await afterPush(task, reporter, 'verify', 'Read the pushed list back from the registry', () => readBack(deps, p, task.signal));
    laterFailure = verified.failure;
    pushed = verified.value ?? NOTHING_READ_BACK;
  } else task.step('verify', 'skipped', 'no list to read back');

  const nativeOf = (node: string): string | undefined => planned?.nodes.find((n) => n.node === node)?.nativePlatform;
  const finalTimeline = timeline();
  const split: NodeBuildResult[] = jobs.map((j) => ({
    node: nodeOf(j),
    plannedNode: j.group.node,
    confirmed: j.ranOn !== undefined,
    platforms: [...j.group.platforms],
    refs: j.group.platforms.map((pl) => cacheRefFor(cacheRef, pl)),
    pushed: `${repository}@${j.digest!}`,
  }));
  return {
    mode: 'modern',
    reference: p.ref.original,
    registry: p.ref.registry,
    repository: p.ref.repository,
    tag: p.tag,
    ...pushed,
    builder: p.builder.name,
    durations: { totalMs: Date.now() - started, buildMs, joinMs },
    commands: [...commands, imagetoolsInspectEquivalent(p.ref.original)],
    timeline: finalTimeline,
    timing: buildTiming(
      finalTimeline,
      (platform) => {
        const node = nodeOf(jobOf(platform));
        const native = nativeOf(node);
        return native ? { node, nativePlatform: native } : { node };
      },
      { buildPlatformStages: buildPlatformStages(p.text) },
    ),
    ...(p.cache ? { cache: { ...p.cache, split } } : {}),
    logTail: reporter.logTail(),
    logLineCount: reporter.lineCount,
    warnings: p.warnings,
    localImages: await existingImages(deps, [p.ref.original]),
    pushed: pushedRefs,
    ...plainHttpNote(p),
    ...(laterFailure ? { afterPush: laterFailure } : {}),
  };
}

/** The task step of one build of a split build: `build:linux/amd64`, `build:linux/amd64,linux/arm/v7`. */
function splitStepId(group: NodeBuild): string {
  return `build:${group.platforms.join(',')}`;
}

/** A node's build failure, saying which node and which platforms; a refused or lost push in its own words. */
function onNode(error: AppError, group: NodeBuild, p: Prepared, timeline: PlatformProgress[]): AppError {
  const where = `on node ${group.node} (${group.platforms.join(', ')})`;
  const details = { ...(error.details as object | undefined), node: group.node, nodePlatforms: [...group.platforms], timeline };
  if (error.code !== 'pull-failed' && /failed to push/i.test(error.message)) {
    const pushError = pushLoginRefused(p.ref.registry, p.ref.original, error.message, details) ?? pushRegistryGone(p.ref.registry, p.ref.original, error.message, details);
    if (pushError) return new AppError(pushError.code, `${pushError.message} (the build ${where})`, { ...(pushError.hint ? { hint: pushError.hint } : {}), details });
  }
  const message = /^The build failed( for \S+)?/.test(error.message) ? error.message.replace(/^The build failed( for \S+)?/, `The build failed ${where}`) : `${error.message} (${where})`;
  return new AppError(error.code, message, { ...(error.hint ? { hint: error.hint } : {}), details, cause: error });
}

/** The digest and the node `docker buildx build --metadata-file` wrote (`buildx.build.ref` is builder/node/ref). */
async function readBuildMetadata(file: string): Promise<{ digest?: string; node?: string }> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return {};
  }
  return json && typeof json === 'object' ? parseBuildMetadata(json as Record<string, unknown>) : {};
}

const NOTHING_READ_BACK: Pick<BuildResult, 'digest' | 'mediaType' | 'platforms' | 'images'> = { digest: '', mediaType: '', platforms: [], images: [] };

function plainHttpNote(p: Prepared): { plainHttpNote?: string } {
  return p.plainHttp.plainHttp && p.plainHttp.source !== 'loopback' ? { plainHttpNote: p.plainHttp.reason } : {};
}

/**
 * Runs one step that comes after the push landed. A failure marks the step failed, says so in the log, and is
 * handed back (not thrown): the pushed image is there, and the result says which later step failed and why.
 * Cancelling still cancels.
 */
async function afterPush<T>(task: TaskHandle, reporter: BuildReporter, step: string, title: string, work: () => Promise<T>): Promise<{ value?: T; failure?: BuildAfterPushFailure }> {
  task.step(step, 'running');
  try {
    const value = await work();
    task.step(step, 'done');
    return { value };
  } catch (error) {
    if (task.signal.aborted) throw error;
    const serialized = serializeError(error);
    task.step(step, 'failed', serialized.message);
    reporter.note(`The push landed, but "${title}" failed: ${serialized.message}${serialized.hint ? ` ${serialized.hint}` : ''}`);
    return { failure: { step, title, error: serialized } };
  }
}

const TRANSIENT_PUSH_ERROR = /\b5\d\d\b|Internal Server Error|Bad Gateway|Service Unavailable|connection reset|unexpected EOF/i;

interface PlatformPush {
  platform: string;
  tag: string;
  digest?: string;
  tracker: BuildProgressTracker;
  push: BuildStepProgress;
}

async function runOldSchool(deps: BuildDeps, p: Prepared, task: TaskHandle, reporter: BuildReporter): Promise<BuildResult> {
  const started = Date.now();
  const platforms = p.input.platforms;
  // One failing platform stops its siblings: their images would only be half of a list.
  const inner = new AbortController();
  const forward = () => inner.abort(task.signal.reason);
  task.signal.addEventListener('abort', forward, { once: true });

  const jobs: PlatformPush[] = platforms.map((platform) => ({
    platform,
    tag: platformTag(p.ref, platform),
    tracker: new BuildProgressTracker({ platforms: [platform], defaultPlatform: platform, onLog: (l) => reporter.log(l.platform ? l : { ...l, platform }) }),
    push: { name: `docker push ${platformTag(p.ref, platform)}`, state: 'waiting', cached: false, logLines: 0 },
  }));
  let planned: BuildPlacement | undefined;
  const planning = planPlacement(deps, p, platforms, task, reporter, (read) => (planned = read));
  const timeline = (): PlatformProgress[] => withNodes(jobs.map((j) => withPush(j.tracker.platforms()[0] ?? emptyPlatform(j.platform), j.push)), planned);

  const runJob = async (job: PlatformPush): Promise<void> => {
    const args = oldSchoolBuildArgs(p.cmd, job.platform, job.tag);
    task.step(`build:${job.platform}`, 'running');
    const built = await runTracked(deps, args, job.tracker, reporter, inner.signal, timeline);
    if (built.code !== 0) throw failure(job.tracker, ['docker', ...args], built, reporter);
    task.step(`build:${job.platform}`, 'done');

    task.step(`push:${job.platform}`, 'running');
    job.push.state = 'running';
    job.push.startedAt = Date.now();
    reporter.progress(timeline);
    const push = () =>
      deps.engine.cli().run(['push', job.tag], {
        signal: inner.signal,
        allowFailure: true,
        onStdoutLine: (text) => {
          job.push.logLines++;
          reporter.log({ platform: job.platform, step: job.push.name, stream: 1, text });
        },
        onStderrLine: (text) => {
          job.push.logLines++;
          reporter.log({ platform: job.platform, step: job.push.name, stream: 2, text });
        },
      });
    let pushed = await push();
    let tries = 1;
    if (pushed.code !== 0 && TRANSIENT_PUSH_ERROR.test(pushed.stderr)) {
      // Pushes of several platforms into one repository at once can meet a registry answering 5xx while another
      // push commits a shared blob; a push is safe to repeat.
      reporter.note(`docker push ${job.tag} met a registry error; trying once more.`, job.platform);
      pushed = await push();
      tries = 2;
    }
    job.push.endedAt = Date.now();
    if (pushed.code !== 0) {
      job.push.state = 'error';
      const last = pushed.stderr.trim().split(/\r?\n/).slice(-1)[0] ?? '';
      job.push.error = last;
      const refused = pushLoginRefused(p.ref.registry, job.tag, last, { command: pushEquivalent(job.tag), platform: job.platform });
      if (refused) throw refused;
      throw new AppError('registry-error', `docker push ${job.tag} failed${tries > 1 ? ' twice' : ''}: ${last || `exit code ${pushed.code}`}`, {
        hint: `Check that the registry ${p.ref.registry} is running (Registry step) and that this engine may push to it (plain HTTP is allowed for localhost only, unless the engine lists the registry as insecure).`,
        details: { command: pushEquivalent(job.tag), platform: job.platform },
      });
    }
    job.push.state = 'done';
    const digest = parsePushDigest(pushed.stdout)?.digest;
    if (digest) job.digest = digest;
    task.step(`push:${job.platform}`, 'done');
    reporter.progress(timeline);
  };

  let outcomes: PromiseSettledResult<void>[];
  try {
    outcomes = await Promise.allSettled(
      jobs.map((job) =>
        runJob(job).catch((error: unknown) => {
          if (!inner.signal.aborted) inner.abort(error);
          if (job.push.state === 'running') job.push.state = 'cancelled';
          throw error;
        }),
      ),
    );
  } finally {
    task.signal.removeEventListener('abort', forward);
  }
  await planning;
  reporter.close(timeline());
  task.throwIfCancelled();
  const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as unknown);
  if (failed.length) {
    for (const job of jobs) if (job.push.state === 'waiting') task.step(`push:${job.platform}`, 'skipped');
    throw failed.find((e) => !(e instanceof AppError && e.code === 'cancelled')) ?? failed[0];
  }
  const buildMs = Date.now() - started;

  // Every per-platform push landed: from here a failure is reported with the result, not as a failed build.
  const joinStarted = Date.now();
  const tags = jobs.map((j) => j.tag);
  const pushedRefs = [...tags];
  const joined = await afterPush(task, reporter, 'join', 'Join the pushed images into one manifest list', async () => {
    const client = await deps.plainHttp.client(p.ref.registry, { signal: task.signal, ...requested(p) });
    const entries: IndexEntryInput[] = [];
    for (const job of jobs) entries.push(await platformEntry(client, p.ref.repository, job));
    // docker manifest create writes a Docker manifest list when every entry is a Docker manifest; do the same.
    return { client, index: createIndex(entries, { format: entries.every((e) => e.mediaType === MediaTypes.dockerManifest) ? 'docker' : 'oci' }) };
  });
  let laterFailure = joined.failure;
  if (joined.value) {
    const { client, index } = joined.value;
    task.throwIfCancelled();
    const listed = await afterPush(task, reporter, 'push-list', `Push the manifest list as ${p.ref.original}`, () => client.putManifest(p.ref.repository, p.tag, index.mediaType, index.text));
    laterFailure = listed.failure;
    if (!laterFailure) pushedRefs.push(p.ref.original);
  } else task.step('push-list', 'skipped', 'nothing to push: joining failed');
  const joinMs = Date.now() - joinStarted;

  let pushed = NOTHING_READ_BACK;
  if (!laterFailure) {
    const verified = await afterPush(task, reporter, 'verify', 'Read the pushed list back from the registry', () => readBack(deps, p, task.signal));
    laterFailure = verified.failure;
    pushed = verified.value ?? NOTHING_READ_BACK;
  } else task.step('verify', 'skipped', 'no list to read back');
  const placement = await (planned ?? placementAfterBuild(deps, p, platforms, task));
  const finalTimeline = withNodes(timeline(), placement);
  return {
    mode: 'old-school',
    reference: p.ref.original,
    registry: p.ref.registry,
    repository: p.ref.repository,
    tag: p.tag,
    ...pushed,
    images: pushed.images.map((img): PlatformImage => {
      const job = jobs.find((j) => samePlatform(j.platform, img.platform));
      return job ? { ...img, reference: job.tag } : img;
    }),
    builder: p.builder.name,
    durations: { totalMs: Date.now() - started, buildMs, joinMs },
    commands: [
      ...jobs.flatMap((j) => [oldSchoolBuildEquivalent(p.cmd, j.platform, j.tag), pushEquivalent(j.tag)]),
      manifestCreateEquivalent(p.ref, p.ref.original, tags, p.plainHttp.plainHttp),
      manifestPushEquivalent(p.ref, p.ref.original, p.plainHttp.plainHttp),
      imagetoolsInspectEquivalent(p.ref.original),
    ],
    timeline: finalTimeline,
    timing: buildTiming(finalTimeline, placement?.placementOf ?? (() => ({})), { buildPlatformStages: buildPlatformStages(p.text) }),
    ...(p.cache ? { cache: p.cache } : {}),
    logTail: reporter.logTail(),
    logLineCount: reporter.lineCount,
    warnings: p.warnings,
    localImages: await existingImages(deps, tags),
    pushed: pushedRefs,
    ...plainHttpNote(p),
    ...(laterFailure ? { afterPush: laterFailure } : {}),
  };
}

/** Stage names BuildKit shows (`build`, `stage-0`) of stages that run as the build platform. */
function buildPlatformStages(text: string): Set<string> {
  const stages = parseStages(parseInstructions(text));
  return new Set(stages.filter((st) => st.onBuildPlatform).flatMap((st) => [`stage-${st.index}`, ...(st.name ? [st.name.toLowerCase()] : [])]));
}

/**
 * The placement known before the build, handed to `set` as soon as known: from buildx's files when they answer
 * (no process); read beside the build (`docker buildx inspect`, `docker version` of unknown engines) only for a
 * builder with several nodes, whose live timeline names each platform's node, or one the files cannot tell. A
 * one-node builder the files cannot place is left to the read after the build: during it every process started
 * competes with BuildKit for the CPU, and nothing shown then depends on a one-node placement.
 */
async function planPlacement(deps: BuildDeps, p: Prepared, platforms: readonly string[], task: TaskHandle, reporter: BuildReporter, set: (placement: BuildPlacement | undefined) => void): Promise<void> {
  try {
    const cli = deps.engine.cli();
    const known = await p.knownNatives;
    const early = await placementBeforeBuild(await cli.commandEnv(task.signal), p.builder.name, platforms, known);
    if (early.oneNode) return;
    const read = early.placement ?? (await readPlacement(cli, p.builder.name, platforms, task.signal, known));
    set(read);
    noteNodes(reporter, read);
  } catch {
    // no placement before the build: the read after it tries again
  }
}

/** The placement read once the build is over, when none was known before it (see planPlacement). */
function placementAfterBuild(deps: BuildDeps, p: Prepared, platforms: readonly string[], task: TaskHandle): Promise<BuildPlacement | undefined> {
  return p.knownNatives.then((known) => readPlacement(deps.engine.cli(), p.builder.name, platforms, task.signal, known));
}

/** Names the node of each platform in the timeline, for builders with several nodes. */
function withNodes(platforms: PlatformProgress[], placement: BuildPlacement | undefined): PlatformProgress[] {
  if (!placement) return platforms;
  return platforms.map((p) => {
    const node = placement.placementOf(p.platform).node;
    return node ? { ...p, node } : p;
  });
}

function noteNodes(reporter: BuildReporter, placement: BuildPlacement | undefined): void {
  if (!placement || placement.nodes.length < 2) return;
  if (!placement.known) {
    const unpinned = placement.nodes.filter((n) => !n.pinned.length).map((n) => n.node);
    reporter.note(
      `warning: which node builds which platform cannot be told: ${unpinned.length ? `node ${unpinned.join(', ')} pins no platform` : 'not every node pins its platforms'}, and buildx 0.13 then sent a multi-platform build wholly to the first node. ` +
        `Pin each node's platforms (docker buildx create --append --platform …, and --platform on the first node) so each platform goes to its node.`,
    );
    return;
  }
  for (const n of placement.nodes) {
    if (!n.platforms.length) continue;
    const how = n.nativePlatform ? n.platforms.map((pl) => `${pl} ${runsNatively(pl, n.nativePlatform!) ? 'natively' : 'emulated'}`).join(', ') : `${n.platforms.join(', ')} (its own platform unknown)`;
    reporter.note(`Node ${n.node} (${n.endpoint}) builds ${how}.`);
  }
}

function emptyPlatform(platform: string): PlatformProgress {
  return { platform, state: 'waiting', steps: [], finished: 0 };
}

/** The old-school timeline shows the push after the build steps, so the cost of each is visible. */
function withPush(progress: PlatformProgress, push: BuildStepProgress): PlatformProgress {
  const steps = [...progress.steps, { ...push }];
  const out: PlatformProgress = { ...progress, steps, finished: progress.finished + (push.state === 'done' ? 1 : 0) };
  if (push.state === 'running' || (push.state === 'waiting' && (progress.state === 'done' || progress.state === 'cached'))) out.state = 'running';
  else if (push.state === 'error' || push.state === 'cancelled') out.state = push.state;
  else if (push.state === 'done') out.state = 'done';
  if (push.endedAt !== undefined && push.state === 'done') out.endedAt = push.endedAt;
  else if (out.state === 'running') delete out.endedAt;
  return out;
}

/** The pushed per-platform manifest as an index entry, its platform read from the image config. */
async function platformEntry(client: RegistryClient, repository: string, job: PlatformPush): Promise<IndexEntryInput & { platform: string }> {
  const reference = job.tag.slice(job.tag.lastIndexOf(':') + 1);
  return (await pushedEntries(client, repository, job.digest ?? reference, job.tag, [job.platform]))[0]!;
}

/**
 * The index entries of what was pushed under `reference` (a tag or digest), one per platform wanted: from a
 * pushed index its image entries (never an attestation), from a single image manifest the platform its config
 * names, which must be one of those wanted. `label` names it in errors.
 */
async function pushedEntries(client: RegistryClient, repository: string, reference: string, label: string, platforms: readonly string[]): Promise<(IndexEntryInput & { platform: string })[]> {
  const fetched = await client.getManifest(repository, reference);
  const parsed = parseManifestDocument(fetched.mediaType, fetched.json, label);
  if (parsed.kind === 'index') {
    return platforms.map((platform) => {
      const wanted = parsePlatform(platform);
      // Some stores push a one-platform index: take its image entry, never an attestation.
      const match = parsed.manifests.find((m) => classifyIndexEntry(m).role === 'platform' && m.platform && m.platform.architecture === wanted.architecture && m.platform.os === wanted.os && (!wanted.variant || !m.platform.variant || m.platform.variant === wanted.variant));
      if (!match?.platform) {
        throw new AppError('registry-error', `${label} holds no ${platform} image.`, { hint: 'Build and push that platform again.' });
      }
      return { digest: match.digest, size: match.size, mediaType: match.mediaType, platform: formatPlatform(match.platform) };
    });
  }
  const config = await client.getBlobJson(repository, parsed.config.digest);
  const c = config.json as { os?: unknown; architecture?: unknown; variant?: unknown };
  const first = parsePlatform(platforms[0]!);
  const osName = typeof c.os === 'string' ? c.os : first.os;
  const architecture = typeof c.architecture === 'string' ? c.architecture : first.architecture;
  const wanted = platforms.map(parsePlatform).find((w) => w.os === osName && w.architecture === architecture);
  if (!wanted || platforms.length > 1) {
    throw new AppError('registry-error', `${label} was pushed as ${osName}/${architecture}, not ${platforms.join(' and ')}.`, {
      hint: 'The builder ignored the platform; check that emulation for it is installed (Doctor) and build again.',
    });
  }
  const variant = typeof c.variant === 'string' && c.variant ? c.variant : wanted.variant;
  return [{ digest: fetched.digest, size: fetched.size, mediaType: fetched.mediaType, platform: formatPlatform({ os: osName, architecture, ...(variant ? { variant } : {}) }) }];
}

/** One call's own request for plain HTTP (`insecure` on build:run), passed to the client factory. */
function requested(p: Prepared): { insecure?: boolean } {
  return p.input.insecure ? { insecure: true } : {};
}

/** What the registry now holds under the tag: its digest and platforms. */
async function readBack(deps: BuildDeps, p: Prepared, signal: AbortSignal): Promise<Pick<BuildResult, 'digest' | 'mediaType' | 'platforms' | 'images'>> {
  const ref = p.ref;
  const client = await deps.plainHttp.client(ref.registry, { signal, ...requested(p) });
  const tag = ref.tag ?? 'latest';
  // One GET by tag: the client checks the body against the registry's Docker-Content-Digest (or hashes it when
  // the registry gives none), what a HEAD for the digest and a GET by digest told in two round trips.
  const fetched = await client.getManifest(ref.repository, tag);
  const parsed = parseManifestDocument(fetched.mediaType, fetched.json, ref.original);
  if (parsed.kind === 'index') {
    const images = parsed.manifests
      .filter((m) => classifyIndexEntry(m).role === 'platform' && m.platform)
      .map((m) => ({ platform: formatPlatform(m.platform!), digest: m.digest, mediaType: m.mediaType, size: m.size }));
    return { digest: fetched.digest, mediaType: fetched.mediaType, platforms: images.map((i) => i.platform), images };
  }
  const config = await client.getBlobJson(ref.repository, parsed.config.digest);
  const c = config.json as { os?: string; architecture?: string; variant?: string };
  const platform = formatPlatform({ os: c.os ?? 'unknown', architecture: c.architecture ?? 'unknown', ...(c.variant ? { variant: c.variant } : {}) });
  return { digest: fetched.digest, mediaType: fetched.mediaType, platforms: [platform], images: [{ platform, digest: fetched.digest, mediaType: fetched.mediaType, size: fetched.size }] };
}

/** Runs one buildx command, feeding its rawjson stderr to the tracker and its state to the reporter. */
async function runTracked(
  deps: BuildDeps,
  args: string[],
  tracker: BuildProgressTracker,
  reporter: BuildReporter,
  signal: AbortSignal,
  snapshot: () => PlatformProgress[] = () => tracker.platforms(),
): Promise<CommandResult> {
  let result: CommandResult;
  try {
    result = await deps.engine.cli().run(args, {
      signal,
      allowFailure: true,
      // The JSON progress can be large; the tracker keeps what matters.
      maxBufferBytes: 256 * 1024,
      onStderrLine: (line) => {
        const before = tracker.version;
        tracker.pushLine(line);
        if (tracker.version !== before) reporter.progress(snapshot);
      },
      onStdoutLine: (text) => reporter.log({ stream: 1, text }),
    });
  } catch (error) {
    tracker.finish('cancelled');
    reporter.progress(snapshot);
    throw error;
  }
  tracker.finish(result.code === 0 ? 'succeeded' : 'failed');
  reporter.progress(snapshot);
  return result;
}

function failure(tracker: BuildProgressTracker, command: string[], result: CommandResult, reporter: BuildReporter): AppError {
  const text = tracker.textLines();
  const errorMessage = tracker.errorMessage();
  const dockerfileError = tracker.dockerfileError();
  const failedStep = tracker.failedStep();
  for (const line of text.slice(-20)) reporter.log({ stream: 2, text: line });
  return buildFailedError({
    ...(errorMessage ? { errorMessage } : {}),
    ...(dockerfileError ? { dockerfileError } : {}),
    ...(failedStep ? { failedStep } : {}),
    command: command.filter((a) => a !== '--progress=rawjson'),
    exitCode: result.code,
    textTail: text.slice(-20),
    timeline: tracker.platforms(),
    logTail: reporter.logTail().slice(-50),
  });
}

/**
 * Which of these names the engine's local store now holds (the docker driver keeps what it builds): `GET
 * /images/NAME/json` for each at once, over plain HTTP where the connection allows (no dockerode to load), else
 * through dockerode. Any failure counts as not there.
 */
async function existingImages(deps: BuildDeps, names: string[]): Promise<string[]> {
  const connection = await deps.engine.connect();
  const held = await Promise.all(
    names.map(async (name) => {
      try {
        const plain = engineGet(connection, `/images/${encodeURI(name)}/json`);
        if (plain) return (await plain).status === 200;
        await connection.docker.getImage(name).inspect();
        return true;
      } catch {
        return false; // not there: nothing to report
      }
    }),
  );
  return names.filter((_, i) => held[i]);
}
