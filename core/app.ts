import type { AppInfo, Channel, ChannelInput, ChannelOutput } from './contract/channels.js';
import { channelGroups } from './contract/channel-table.js';
import { createDispatch, unwrap, type CallContext, type Dispatch, type Handlers } from './dispatch.js';
import type { EventBus } from './events.js';
import type { EarlyDoctor } from './early-doctor.js';
import { createEngineServices } from './engine-services.js';
import { TaskManager } from './tasks.js';
import { SettingsStore } from './settings.js';
import { APP_NAME, defaultDataDir } from './paths.js';
import { appVersion } from './version.js';
import type { EngineAccess } from './docker/engine.js';
import { EngineWatch } from './docker/engine-events.js';
import { PlainHttpRegistries } from './registry/plain-http-sources.js';
import type { SweepReport } from './contract/sweep.js';
import { extraLabelsFrom } from './docker/labels.js';

export { appVersion };

export interface CoreOptions {
  mode: AppInfo['mode'];
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  /** How long a left-behind container must have been stopped before the sweep removes it (tests shorten it). */
  sweepMinAgeMs?: number;
  /**
   * A Doctor's report already running (core/early-doctor.ts, `serve`): the core uses its engine access and event
   * bus, and its first `doctor:report` call takes that report.
   */
  early?: EarlyDoctor;
}

/** Shared services that domain handlers are built from. */
export interface CoreDeps {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  events: EventBus;
  tasks: TaskManager;
  settings: SettingsStore;
  engine: EngineAccess;
  /** The one list of plain-HTTP registries; every registry client of the app is made by it. */
  plainHttp: PlainHttpRegistries;
}

export interface Core extends CoreDeps {
  dispatch: Dispatch;
  /** Typed in-process call; throws AppError on failure. */
  call<C extends Channel>(channel: C, input: ChannelInput<C>, ctx?: CallContext): Promise<ChannelOutput<C>>;
  /** Starts watching the engine's events ('engine:changed', 'engine:status'); idempotent, stopped by close(). */
  startEngineWatch(): void;
  /** Removes containers an interrupted action left behind (by their labels); emits 'engine:swept' when it removed any. */
  sweepInterrupted(signal?: AbortSignal): Promise<SweepReport>;
  close(): Promise<void>;
}

type HandlerOf<C extends Channel> = Handlers[C];

/**
 * A domain's handlers, whose modules load on the first call of one of its channels: a command or a first
 * paint then pays only for the domains it uses (loading all of them was ~40% of `builder ls`). The channel
 * names come from the contract, so the map is complete before anything loads; dispatch validates the input
 * before a handler, and so before the import.
 */
export function lazyHandlers<K extends Channel>(names: readonly K[], load: () => Promise<Pick<Handlers, K>>): Pick<Handlers, K> {
  let loading: Promise<Pick<Handlers, K>> | undefined;
  const out = {} as Pick<Handlers, K>;
  for (const name of names) {
    const handler = async (input: unknown, ctx: CallContext): Promise<unknown> => {
      loading ??= load().catch((error: unknown) => {
        loading = undefined; // a failed import may be tried again by the next call
        throw error;
      });
      const handlers = await loading;
      return (handlers[name] as (input: unknown, ctx: CallContext) => Promise<unknown>)(input, ctx);
    };
    out[name] = handler as HandlerOf<K>;
  }
  return out;
}

export function createCore(options: CoreOptions): Core {
  const env = options.env ?? process.env;
  const dataDir = options.dataDir ?? defaultDataDir(env);
  const { events, engine } = options.early?.services ?? createEngineServices(env, dataDir);
  const settings = new SettingsStore(dataDir);
  const deps: CoreDeps = {
    env,
    dataDir,
    events,
    tasks: new TaskManager(events),
    settings,
    engine,
    plainHttp: new PlainHttpRegistries({ settings, engine, env }),
  };
  const makeClient = deps.plainHttp.client.bind(deps.plainHttp);

  let lastSweep: SweepReport | null = null;
  const ageFromEnv = /^\d+$/.test(env.MULTIARCH_LAB_SWEEP_MIN_AGE_MS ?? '') ? Number(env.MULTIARCH_LAB_SWEEP_MIN_AGE_MS) : undefined;
  const sweepMinAgeMs = options.sweepMinAgeMs ?? ageFromEnv;
  const sweep = async (signal?: AbortSignal): Promise<SweepReport> => {
    const docker = await deps.engine.docker(signal);
    const { sweepInterrupted } = await import('./docker/sweep.js');
    const report = await sweepInterrupted(docker, { extraLabels: extraLabelsFrom(env), ...(sweepMinAgeMs !== undefined ? { minAgeMs: sweepMinAgeMs } : {}) });
    lastSweep = report;
    if (report.removed.length || report.failed.length) events.emit('engine:swept', report);
    return report;
  };
  // an engine that is down is reported elsewhere; the sweep just waits for the next chance
  const sweepQuietly = () => void sweep().catch(() => undefined);

  const handlers: Handlers = {
    'engine:last-sweep': async () => ({ last: lastSweep }),
    'app:info': async () => ({
      name: APP_NAME,
      version: appVersion(),
      mode: options.mode,
      dataDir,
      settingsPath: deps.settings.file,
      cli: (await import('./cli-invocation.js')).cliInvocation(env).prefix,
    }),
    'doctor:report': async (_input, ctx) => {
      const [{ runDoctor }, { doctorWithRegistry }] = await Promise.all([import('./doctor/doctor.js'), import('./local-registry/doctor-check.js')]);
      const early = options.early?.take(ctx.signal);
      return doctorWithRegistry(deps, () => early ?? runDoctor({ engine: deps.engine, env, ...(ctx.signal ? { signal: ctx.signal } : {}) }), ctx.signal);
    },
    'settings:get': async () => deps.settings.read(),
    'settings:update': async (patch) => deps.settings.update(patch),
    'tasks:list': async () => deps.tasks.list(),
    'tasks:cancel': async ({ id }) => ({ cancelled: deps.tasks.cancel(id) }),
    'plain-http:list': async (_input, ctx) => deps.plainHttp.list(ctx.signal),
    'plain-http:add': async ({ registry }) => deps.plainHttp.add(registry),
    'plain-http:remove': async ({ registry }) => deps.plainHttp.remove(registry),
    'plain-http:check': async ({ registry }, ctx) => deps.plainHttp.check(registry, ctx.signal),
    ...lazyHandlers(channelGroups.uiState, async () => (await import('./ui-state.js')).createUiStateHandlers(dataDir)),
    ...lazyHandlers(channelGroups.registryBrowser, async () => (await import('./registry/handlers.js')).createRegistryHandlers(makeClient)),
    ...lazyHandlers([...channelGroups.registryLifecycle, ...channelGroups.registryCheck], async () => (await import('./local-registry/handlers.js')).createLocalRegistryHandlers(deps)),
    'registry:verify': async (input, ctx) => (await import('./verify/verify.js')).verifyReference(input, ctx.signal, makeClient),
    ...lazyHandlers(channelGroups.builder, async () => (await import('./builder/handlers.js')).createBuilderHandlers(deps)),
    ...lazyHandlers(channelGroups.runs, async () =>
      (await import('./runs/handlers.js')).createRunsHandlers({ ...deps, makeClient, engineAgrees: (registry, signal) => deps.plainHttp.requireEngineAgrees(registry, 'run', signal) }),
    ),
    ...lazyHandlers(channelGroups.build, async () => (await import('./build/handlers.js')).createBuildHandlers(deps)),
  };

  const dispatch = createDispatch(handlers);
  const engineWatch = new EngineWatch({ engine: deps.engine, events });
  return {
    ...deps,
    dispatch,
    call: async (channel, input, ctx) => unwrap(await dispatch(channel, input, ctx)) as never,
    startEngineWatch: () => {
      if (engineWatch.started) return;
      engineWatch.start();
      sweepQuietly();
      // a reconnection may follow an engine restart that interrupted a run
      events.on('engine:changed', (c) => {
        if (c.type === 'engine' && c.action === 'reconnected') sweepQuietly();
      });
    },
    sweepInterrupted: sweep,
    close: async () => {
      // quitting must not leave a build's docker processes (own process groups) running behind us
      await deps.tasks.cancelAll();
      await engineWatch.stop();
      await deps.engine.close();
    },
  };
}
