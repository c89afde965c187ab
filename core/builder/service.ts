/**
 * Buildx builders for real: list, inspect, create (with bootstrap as a task), use, remove, append a node;
 * emulation status and installation; the default driver explained. Everything runs through the docker CLI
 * the engine access chose, pointed at the engine the app talks to.
 */
import type {
  BuilderAppendResult,
  BuilderCreateResult,
  BuilderInfo,
  BuilderList,
  BuilderRemoveResult,
  BuilderUseResult,
  DefaultDriverExplanation,
  EmulatorReport,
  InstallEmulatorsResult,
} from '../contract/builder.js';
import type { BuilderCreateInput, BuilderAppendInput, BuilderRemoveInput, InstallEmulatorsInput } from '../contract/builder.js';
import { AppError } from '../contract/errors.js';
import type * as z from 'zod';
import type { DockerCli } from '../docker/docker-cli.js';
import { commandFailed } from '../docker/docker-cli.js';
import type { EngineAccess } from '../docker/engine.js';
import { engineGet } from '../docker/engine-http.js';
import { engineFailure } from '../docker/errors.js';
import { engineFacts } from '../docker/facts.js';
import { imagePresent, pullImage, taskLayerProgress } from '../docker/images.js';
import type { CommandResult } from '../docker/exec.js';
import type { BinfmtState } from '../docker/parsers/binfmt.js';
import { parseBuildxLsTable } from '../docker/parsers/buildx-ls.js';
import { parseBuildxInspect, type BuildxInspect } from '../docker/parsers/buildx-inspect.js';
import type { BuildxVersion } from '../docker/parsers/buildx-version.js';
import { describeEngine } from '../doctor/doctor.js';
import { runBuildxLs } from '../doctor/buildx-ls.js';
import { readBinfmtState } from '../doctor/host-probes.js';
import { extraLabelsFrom } from '../docker/labels.js';
import type { SettingsStore } from '../settings.js';
import type { StepSpec, TaskHandle, TaskManager } from '../tasks.js';
import { buildkitdConfigPath, writeBuildkitdConfig } from './buildkitd-config.js';
import { builderNameTaken, currentBuilderName, readNewBuilder } from './state-files.js';
import { nodeNativePlatform } from './node-platform.js';
import {
  appendArgs,
  BINFMT_IMAGE,
  binfmtInstallArgs,
  bootstrapArgs,
  buildkitContainerName,
  buildkitdConfigFlag,
  buildkitStateVolumeName,
  createArgs,
  defaultDriverOpts,
  dockerCommand,
  inspectArgs,
  pullArgs,
  removeArgs,
  useArgs,
} from '../commands/builder.js';
import { explainDefaultDriver } from './default-driver.js';
import { emulatorReport, installList } from './emulators.js';
import {
  binfmtPullFailedError,
  bootstrapFailedError,
  conflictError,
  isNameTaken,
  isNoSuchBuilder,
  isNodeUnreachable,
  isUnknownContext,
  lastError,
  nodeUnreachableError,
  notFoundError,
  unknownContextError,
  runPullFailed,
} from './errors.js';
import { buildersFromLs, fromInspect, withInspectDetails } from './model.js';

const QUICK_MS = 30_000;
const CREATE_MS = 60_000;
const REMOVE_MS = 120_000;
/** Pulling BuildKit or binfmt over a slow line takes a while; cancelling is always possible. */
const PULL_MS = 10 * 60_000;

export interface BuilderServiceDeps {
  engine: EngineAccess;
  tasks: TaskManager;
  settings: SettingsStore;
  dataDir: string;
  /** For MULTIARCH_LAB_RESOURCE_LABELS: extra labels on containers the app starts. */
  env?: NodeJS.ProcessEnv;
  /** Injectable for tests of the report; defaults to reading /proc/sys/fs/binfmt_misc. */
  readBinfmt?: () => Promise<BinfmtState>;
}

type CreateInput = z.output<typeof BuilderCreateInput>;
type RemoveInput = z.output<typeof BuilderRemoveInput>;
type AppendInput = z.output<typeof BuilderAppendInput>;
type InstallInput = z.output<typeof InstallEmulatorsInput>;

function withSignal<T extends object>(opts: T, signal?: AbortSignal): T & { signal?: AbortSignal } {
  return signal ? { ...opts, signal } : opts;
}

export class BuilderService {
  constructor(private readonly deps: BuilderServiceDeps) {}

  private cli(): DockerCli {
    return this.deps.engine.cli();
  }

  private async buildx(signal?: AbortSignal): Promise<BuildxVersion> {
    return this.cli().requireBuildx(signal);
  }

  private run(args: readonly string[], opts: { timeoutMs: number; signal?: AbortSignal; onLine?: (line: string) => void; env?: NodeJS.ProcessEnv; ownSession?: boolean }): Promise<CommandResult> {
    return this.cli().run(args, {
      allowFailure: true,
      timeoutMs: opts.timeoutMs,
      ...(opts.ownSession === false ? { ownSession: false } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onLine ? { onStderrLine: opts.onLine, onStdoutLine: opts.onLine } : {}),
      ...(opts.env ? { env: opts.env } : {}),
    });
  }

  /** Every builder with its nodes, driver options and which one is current. */
  async list(signal?: AbortSignal): Promise<BuilderList> {
    // both `ls` start alongside the buildx probe, kept when it picks their binary (same answers, less waiting)
    const runs = await runBuildxLs(this.cli(), QUICK_MS, signal);
    const version = await this.buildx(signal);
    const { table, json: jsonRun } = runs;
    if (!table) throw new AppError('internal', 'docker buildx ls did not run although buildx is there.');
    if (table.code !== 0) throw commandFailed(['docker', 'buildx', 'ls'], table);
    const parsed = buildersFromLs(runs.parsedTable ?? parseBuildxLsTable(table.stdout, table.stderr), jsonRun && jsonRun.code === 0 ? jsonRun.stdout : undefined);
    let builders = parsed.builders;
    if (!parsed.fromJson) {
      // Without JSON (buildx before 0.13) only inspect shows driver options; context builders have none.
      builders = await Promise.all(
        builders.map(async (b) => (b.driver === 'docker' || b.error ? b : withInspectDetails(b, await this.inspectRaw(b.name, signal).catch(() => null)))),
      );
    }
    // Where a builder spans engines, each node's own platform says what it builds natively.
    builders = await Promise.all(builders.map((b) => (b.nodes.length > 1 ? this.withNativePlatforms(b, signal) : b)));
    const out: BuilderList = { builders, buildxVersion: version.version };
    // the table's current builder, else the one a (pre-inspect) builder row says is current
    const current = parsed.current ?? builders.find((b) => b.current)?.name;
    if (current) out.current = current;
    return out;
  }

  /** Parsed `docker buildx inspect NAME`; `not-found` when there is no such builder. */
  async inspectRaw(name: string, signal?: AbortSignal): Promise<BuildxInspect> {
    const r = await this.run(inspectArgs(name), withSignal({ timeoutMs: QUICK_MS }, signal));
    if (r.code !== 0) {
      if (isNoSuchBuilder(r.stderr)) throw notFoundError(name);
      throw commandFailed(dockerCommand(inspectArgs(name)), r);
    }
    const parsed = parseBuildxInspect(r.stdout);
    if (!parsed) throw new AppError('internal', `docker buildx inspect ${name} printed something we could not read.`, { details: { stdout: r.stdout.slice(0, 4000) } });
    return parsed;
  }

  /**
   * The current builder's name, or undefined when buildx cannot say. buildx's own files answer it without a
   * process (issue 15: `docker buildx inspect` also asks the engine about the builder's nodes, ~150 ms here);
   * `docker buildx inspect` itself whenever they leave any doubt.
   */
  async currentName(signal?: AbortSignal): Promise<string | undefined> {
    const fromFiles = await currentBuilderName(await this.cli().commandEnv(signal)).catch(() => undefined);
    if (fromFiles) return fromFiles;
    const r = await this.run(inspectArgs(), withSignal({ timeoutMs: QUICK_MS }, signal));
    if (r.code !== 0) return undefined;
    return parseBuildxInspect(r.stdout)?.name || undefined;
  }

  async inspect(name: string, signal?: AbortSignal): Promise<BuilderInfo> {
    await this.buildx(signal);
    const [raw, current] = await Promise.all([this.inspectRaw(name, signal), this.currentName(signal)]);
    return this.withNativePlatforms(fromInspect(raw, raw.name === current), signal);
  }

  async exists(name: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.inspectRaw(name, signal);
      return true;
    } catch (error) {
      if (error instanceof AppError && error.code === 'not-found') return false;
      throw error;
    }
  }

  /**
   * Creates the builder as a task: [config,] create, [use,] [bootstrap], each step showing its command.
   * A failed bootstrap leaves the builder created (the error says so).
   */
  async create(input: CreateInput, signal?: AbortSignal): Promise<BuilderCreateResult> {
    const version = await this.buildx(signal);
    const name = input.name ?? (await this.deps.settings.read()).builder.name;
    const driverOpts = input.driverOpts ?? defaultDriverOpts(input.driver);
    // buildx's own files answer "is the name taken?" without a process; buildx itself when they cannot say
    const taken = await builderNameTaken(name, await this.cli().commandEnv(signal));
    if (taken ?? (await this.exists(name, signal))) throw conflictError(name);

    const registries = input.insecureRegistries ?? [];
    const configFlag = buildkitdConfigFlag(version);
    const configPath = registries.length ? buildkitdConfigPath(this.deps.dataDir, name) : undefined;
    const create = createArgs({
      name,
      driver: input.driver,
      driverOpts,
      ...(input.platforms ? { platforms: input.platforms } : {}),
      ...(input.endpoint ? { endpoint: input.endpoint } : {}),
      ...(configPath ? { config: { flag: configFlag, file: configPath } } : {}),
    });

    const steps: StepSpec[] = [];
    if (configPath) steps.push({ id: 'config', title: `Write ${configPath} marking ${registries.join(', ')} as plain-HTTP registries` });
    steps.push({ id: 'create', title: `Create the builder "${name}" (${input.driver}${driverOpts.network ? `, network=${driverOpts.network}` : ''})`, command: dockerCommand(create) });
    // Started before it is made current: a builder that cannot start never becomes where the user's next
    // plain `docker buildx build` goes
    if (input.bootstrap) steps.push({ id: 'bootstrap', title: `Start "${name}" (pulls and runs BuildKit)`, command: dockerCommand(bootstrapArgs(name)) });
    if (input.use) {
      steps.push({ id: 'use', title: `Make "${name}" the current builder${input.bootstrap ? ' once it runs' : ''}`, command: dockerCommand(useArgs(name)) });
    }

    return this.deps.tasks.run(
      'builder:create',
      `Create builder ${name}`,
      steps,
      async (task) => {
        const commands: string[][] = [];
        let configFile: string | undefined;
        if (configPath) {
          task.step('config', 'running');
          configFile = await writeBuildkitdConfig(this.deps.dataDir, name, registries);
          task.step('config', 'done', configFile);
        }

        // Facts this create does not change, looked up while it runs: whether the new node's BuildKit container is
        // there (none is started without bootstrap; buildx names the first node NAME0) and, unless the create makes
        // it current, which builder is current.
        const early = {
          container: this.readableCreate(input) ? this.containerStatus(`${name}0`, task.signal).catch(() => 0) : undefined,
          current: input.use ? undefined : this.currentName(task.signal).catch(() => undefined),
        };
        // `buildx create` only writes buildx's files: a short command, left in the app's session like a script's
        // command (a session of its own costs it a new scheduler group, ~1.3x its time on a busy Linux machine)
        await this.runStep(task, 'create', create, CREATE_MS, (r) => (isNameTaken(r.stderr) ? conflictError(name) : undefined), undefined, { ownSession: false });
        commands.push(dockerCommand(create));

        let bootstrapped = false;
        if (input.bootstrap) {
          commands.push(dockerCommand(bootstrapArgs(name)));
          let lines = 0;
          try {
            await this.runStep(task, 'bootstrap', bootstrapArgs(name), PULL_MS, (r) => bootstrapFailedError(name, r, dockerCommand(bootstrapArgs(name))), (line) => {
              if (!line.trim()) return;
              lines += 1;
              task.progress({ current: lines, unit: 'steps', message: line.trim() });
            });
          } catch (error) {
            if (input.use) task.step('use', 'skipped', `not made current: it did not start`);
            throw await this.withCurrentBuilder(error, name, input.use === true);
          }
          bootstrapped = true;
        }

        if (input.use) {
          await this.runStep(task, 'use', useArgs(name), QUICK_MS);
          commands.push(dockerCommand(useArgs(name)));
        }

        // which builder is current now, read back rather than assumed (alongside the look at the new builder)
        const [raw, current] = await Promise.all([
          (async () => (bootstrapped ? undefined : await this.readCreated(name, input, early.container, task.signal)) ?? (await this.inspectRaw(name, task.signal)))(),
          early.current ?? this.currentName(task.signal).catch(() => undefined),
        ]);
        const builder = fromInspect(raw, current === name);
        const result: BuilderCreateResult = { builder, commands, bootstrapped, taskId: task.id, ...(current ? { current } : {}) };
        if (configFile) result.configFile = configFile;
        return result;
      },
      signal,
    );
  }

  /** A failed start, saying which builder is current now (read back from buildx) and that the new one was not made current. */
  private async withCurrentBuilder(error: unknown, name: string, wantedUse: boolean): Promise<unknown> {
    if (!(error instanceof AppError) || error.code === 'cancelled') return error;
    const current = await this.currentName().catch(() => undefined);
    const now = current ? `The current builder is still "${current}"` : 'buildx did not say which builder is current';
    const words = wantedUse ? `${now}: "${name}" was not made current, since it could not start.` : `${now}.`;
    return new AppError(error.code, `${error.message} ${words}`, {
      ...(error.hint !== undefined ? { hint: error.hint } : {}),
      details: { ...(typeof error.details === 'object' && error.details ? error.details : {}), ...(current ? { current } : {}), builder: name },
    });
  }

  /** Whether readCreated may answer for this create: a docker-container builder on the app's own engine. */
  private readableCreate(input: CreateInput): boolean {
    return input.driver === 'docker-container' && !input.endpoint && !input.bootstrap;
  }

  /** The HTTP status of GET /containers/NAME/json for a node's BuildKit container on the app's engine (404: none). */
  private async containerStatus(nodeName: string, signal?: AbortSignal): Promise<number> {
    const connection = await this.deps.engine.connect(signal);
    // a plain GET where the endpoint allows: the CLI need not load dockerode for one look
    const looked = await (engineGet(connection, `/containers/${encodeURIComponent(buildkitContainerName(nodeName))}/json`, signal) ??
      connection.docker
        .getContainer(buildkitContainerName(nodeName))
        .inspect()
        .then(
          () => ({ status: 200 }),
          (error: { statusCode?: number }) => ({ status: error.statusCode ?? 0 }),
        ));
    return looked.status;
  }

  /**
   * A builder just created and not started, as `buildx inspect` would show it, from the files `buildx create`
   * wrote plus one look for its BuildKit container on the app's engine (none yet means "inactive"); `firstNode`
   * is that look for NAME0, started alongside the create. undefined sends the caller to `buildx inspect`: another
   * driver, a node on another endpoint, or anything the files do not settle.
   */
  private async readCreated(name: string, input: CreateInput, firstNode: Promise<number> | undefined, signal?: AbortSignal): Promise<BuildxInspect | undefined> {
    if (!this.readableCreate(input)) return undefined;
    const created = await readNewBuilder(name, await this.cli().commandEnv(signal));
    if (!created) return undefined;
    for (const node of created.nodes) {
      const status = node.name === `${name}0` && firstNode ? await firstNode : await this.containerStatus(node.name, signal).catch(() => 0);
      // a container there already (or no clear answer): its state is for buildx to describe
      if (status !== 404) return undefined;
    }
    return created;
  }

  /** Runs one step's command; a non-zero exit fails the step with the mapped error (or command-failed). */
  private async runStep(
    task: TaskHandle,
    step: string,
    args: string[],
    timeoutMs: number,
    mapError?: (r: CommandResult) => AppError | undefined,
    onLine?: (line: string) => void,
    opts: { ownSession?: boolean } = {},
  ): Promise<CommandResult> {
    task.step(step, 'running');
    let r: CommandResult;
    try {
      // Plain progress keeps buildx's bootstrap output line-by-line instead of a redrawn TTY screen.
      r = await this.run(args, { timeoutMs, signal: task.signal, ...(onLine ? { onLine } : {}), env: { BUILDKIT_PROGRESS: 'plain' }, ...opts });
    } catch (error) {
      task.step(step, task.signal.aborted ? 'cancelled' : 'failed');
      throw error;
    }
    if (r.code !== 0) {
      const error = mapError?.(r) ?? commandFailed(dockerCommand(args), r);
      task.step(step, 'failed', error.message);
      throw error;
    }
    task.step(step, 'done');
    return r;
  }

  async use(name: string, signal?: AbortSignal): Promise<BuilderUseResult> {
    await this.buildx(signal);
    const args = useArgs(name);
    const r = await this.run(args, withSignal({ timeoutMs: QUICK_MS }, signal));
    if (r.code !== 0) {
      if (isNoSuchBuilder(r.stderr)) throw notFoundError(name);
      throw commandFailed(dockerCommand(args), r);
    }
    return { current: name, command: dockerCommand(args) };
  }

  /** Removes the builder with its BuildKit container and (unless keepState) its state volume, then checks both are gone. */
  async remove(input: RemoveInput, signal?: AbortSignal): Promise<BuilderRemoveResult> {
    await this.buildx(signal);
    const { name, keepState } = input;
    const before = await this.inspectRaw(name, signal);
    if (before.driver === 'docker') {
      throw new AppError('unsupported', `"${name}" is the builder of a docker context; buildx cannot remove it.`, {
        hint: name === 'default' ? 'The default builder always exists; switch to another one with multiarch-lab builder use NAME.' : `Remove the docker context instead: docker context rm ${name}`,
      });
    }
    const args = removeArgs(name, keepState);
    const r = await this.run(args, withSignal({ timeoutMs: REMOVE_MS }, signal));
    if (r.code !== 0) {
      if (isNoSuchBuilder(r.stderr)) throw notFoundError(name);
      throw commandFailed(dockerCommand(args), r);
    }

    const containers = before.nodes.map((n) => buildkitContainerName(n.name));
    const volumes = before.nodes.map((n) => buildkitStateVolumeName(n.name));
    const left = await this.findLeftovers(containers, volumes, signal);
    const strayVolumes = keepState ? [] : left.volumes;
    if (left.containers.length || strayVolumes.length) {
      const things = [...left.containers.map((c) => `container ${c}`), ...strayVolumes.map((v) => `volume ${v}`)];
      const fix = [left.containers.length ? `docker rm -f ${left.containers.join(' ')}` : '', strayVolumes.length ? `docker volume rm ${strayVolumes.join(' ')}` : '']
        .filter(Boolean)
        .join(' && ');
      throw new AppError('command-failed', `The builder "${name}" was removed, but its ${things.join(' and ')} ${things.length > 1 ? 'are' : 'is'} still there.`, {
        hint: `Remove them yourself: ${fix}`,
        details: left,
      });
    }
    return { name, command: dockerCommand(args), checked: { containers, volumes }, keptVolumes: keepState ? left.volumes : [] };
  }

  private async findLeftovers(containers: string[], volumes: string[], signal?: AbortSignal): Promise<{ containers: string[]; volumes: string[] }> {
    if (!containers.length) return { containers: [], volumes: [] };
    const docker = await this.deps.engine.docker(signal);
    const [cs, vs] = await Promise.all([
      docker.listContainers({ all: true, filters: { name: containers } }),
      docker.listVolumes({ filters: { name: volumes } }),
    ]);
    const wanted = new Set(containers);
    return {
      containers: cs.flatMap((c) => (c.Names ?? []).map((n) => n.replace(/^\//, ''))).filter((n) => wanted.has(n)),
      volumes: (vs.Volumes ?? []).map((v) => v.Name).filter((n) => volumes.includes(n)),
    };
  }

  /** Adds a node on another engine (ssh://, tcp://, a docker context) so its platforms build natively there. */
  async appendNode(input: AppendInput, signal?: AbortSignal): Promise<BuilderAppendResult> {
    await this.buildx(signal);
    const before = await this.inspectRaw(input.name, signal);
    if (before.driver === 'docker') {
      throw new AppError('unsupported', `"${input.name}" uses the docker driver (it is a docker context's builder), which has exactly one node.`, {
        hint: 'Append nodes to a builder made with the docker-container driver, e.g. multiarch-lab builder create --name mybuilder.',
      });
    }
    if (input.nodeName && before.nodes.some((n) => n.name === input.nodeName)) {
      throw new AppError('conflict', `The builder "${input.name}" already has a node named "${input.nodeName}".`, {
        hint: `Choose another node name, or take that node out first: docker buildx create --leave --name ${input.name} --node ${input.nodeName}`,
      });
    }
    if (!input.endpoint.includes('://')) {
      // buildx would take an unknown context name for a host name and fail with a confusing DNS error.
      const ctx = await this.run(['context', 'inspect', input.endpoint], withSignal({ timeoutMs: QUICK_MS }, signal));
      if (ctx.code !== 0) throw unknownContextError(input.endpoint);
    }
    let config: { flag: string; file: string } | undefined;
    if (input.insecureRegistries?.length) {
      // Each node reads its own buildkitd.toml; a node on another engine may need another registry address.
      const version = await this.buildx(signal);
      const node = input.nodeName ?? `node-${before.nodes.length}`;
      config = { flag: buildkitdConfigFlag(version), file: await writeBuildkitdConfig(this.deps.dataDir, `${input.name}/nodes/${node}`, input.insecureRegistries) };
    }
    const args = appendArgs({
      name: input.name,
      endpoint: input.endpoint,
      ...(input.nodeName ? { nodeName: input.nodeName } : {}),
      ...(input.platforms ? { platforms: input.platforms } : {}),
      ...(input.driverOpts ? { driverOpts: input.driverOpts } : {}),
      ...(config ? { config } : {}),
    });
    const r = await this.run(args, withSignal({ timeoutMs: CREATE_MS }, signal));
    if (r.code !== 0) {
      if (isUnknownContext(r.stderr)) throw unknownContextError(input.endpoint);
      if (isNodeUnreachable(r.stderr)) throw nodeUnreachableError(input.endpoint, lastError(r.stderr));
      throw commandFailed(dockerCommand(args), r);
    }
    const after = await this.inspectRaw(input.name, signal);
    const current = await this.currentName(signal);
    const added = input.nodeName ?? after.nodes.find((n) => !before.nodes.some((b) => b.name === n.name))?.name ?? after.nodes.at(-1)?.name ?? '';
    return { builder: await this.withNativePlatforms(fromInspect(after, after.name === current), signal), node: added, command: dockerCommand(args) };
  }

  /** Each node's own platform, asked of its engine, so a screen can say which platforms it builds natively. */
  private async withNativePlatforms(info: BuilderInfo, signal?: AbortSignal): Promise<BuilderInfo> {
    const nodes = await Promise.all(
      info.nodes.map(async (n) => {
        const native = n.error ? undefined : await nodeNativePlatform(this.cli(), n.endpoint, signal);
        return native ? { ...n, nativePlatform: native } : n;
      }),
    );
    return { ...info, nodes };
  }

  /** Native, emulated (which handler) or missing, for each common platform. */
  async emulators(signal?: AbortSignal): Promise<EmulatorReport> {
    const connection = await this.deps.engine.connect(signal);
    const engine = await describeEngine(connection, signal);
    const binfmt = engine.local ? await (this.deps.readBinfmt ?? (() => readBinfmtState()))() : null;
    let builder: { name: string; platforms: string[] } | undefined;
    if (!binfmt) {
      // An engine in a VM (Docker Desktop) or far away: its current builder's platform list is the best we know.
      const list = await this.list(signal).catch(() => undefined);
      const current = list?.builders.find((b) => b.current);
      if (current) builder = { name: current.name, platforms: current.nodes.flatMap((n) => n.platforms) };
    }
    return emulatorReport({ engineArch: engine.arch, binfmt, builder });
  }

  /** Installs emulators with the pinned tonistiigi/binfmt image as a task (pull, install, check again). */
  async installEmulators(input: InstallInput, signal?: AbortSignal): Promise<InstallEmulatorsResult> {
    const before = await this.emulators(signal);
    const names = installList(input.platforms, before);
    const install = names.length ? binfmtInstallArgs(names, extraLabelsFrom(this.deps.env ?? {})) : undefined;
    const steps: StepSpec[] = [
      { id: 'pull', title: `Get the installer image ${BINFMT_IMAGE}`, command: dockerCommand(pullArgs(BINFMT_IMAGE)) },
      { id: 'install', title: names.length ? `Register emulators: ${names.join(', ')}` : 'Register emulators (none missing)', ...(install ? { command: dockerCommand(install) } : {}) },
      { id: 'check', title: 'Check emulation again' },
    ];
    return this.deps.tasks.run(
      'builder:install-emulators',
      'Install emulators',
      steps,
      async (task) => {
        const result: Omit<InstallEmulatorsResult, 'report'> = { image: BINFMT_IMAGE, installed: names, taskId: task.id };
        if (install) {
          result.command = dockerCommand(install);
          await this.pullInstaller(task);
          await this.runStep(task, 'install', install, PULL_MS, (r) => (runPullFailed(r.stderr) ? binfmtPullFailedError(r, dockerCommand(install)) : undefined));
        } else {
          task.step('pull', 'skipped', 'nothing to install');
          task.step('install', 'skipped', 'every platform already runs natively or emulated');
        }
        task.step('check', 'running');
        const report = await this.emulators(task.signal);
        task.step('check', 'done', report.missing.length ? `still missing: ${report.missing.join(', ')}` : 'nothing missing');
        return { ...result, report };
      },
      signal,
    );
  }

  /** The binfmt installer image, pulled through the engine with byte progress (the one pull in core/docker/images.ts). */
  private async pullInstaller(task: TaskHandle): Promise<void> {
    const docker = await this.deps.engine.docker(task.signal);
    if (await imagePresent(this.deps.engine, docker, BINFMT_IMAGE)) {
      task.step('pull', 'skipped', 'already on the engine');
      return;
    }
    task.step('pull', 'running');
    const progress = taskLayerProgress(task, () => `Pulling ${BINFMT_IMAGE}`);
    try {
      await pullImage(docker, BINFMT_IMAGE, { signal: task.signal, onLayer: progress.onLayer });
    } catch (error) {
      task.step('pull', task.signal.aborted ? 'cancelled' : 'failed');
      if (task.signal.aborted || (error instanceof AppError && error.code !== 'pull-failed')) throw error;
      if (!(error instanceof AppError)) throw engineFailure(this.deps.engine, error, `pull ${BINFMT_IMAGE}`, dockerCommand(pullArgs(BINFMT_IMAGE)));
      // the engine's words, judged the same way as the CLI's (Docker Hub unreachable, or its own last line)
      throw binfmtPullFailedError({ code: 1, stdout: '', stderr: error.message }, dockerCommand(pullArgs(BINFMT_IMAGE)));
    }
    progress.flush();
    task.step('pull', 'done');
  }

  async defaultDriver(signal?: AbortSignal): Promise<DefaultDriverExplanation> {
    const facts = await engineFacts(await this.deps.engine.connect(signal));
    const settings = await this.deps.settings.read();
    return explainDefaultDriver(facts, settings.builder.name);
  }
}
