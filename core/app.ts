import type { AppInfo, Channel, ChannelInput, ChannelOutput } from './contract/channels.js';
import { createDispatch, unwrap, type CallContext, type Dispatch, type Handlers } from './dispatch.js';
import { EventBus } from './events.js';
import { TaskManager } from './tasks.js';
import { SettingsStore } from './settings.js';
import { APP_NAME, defaultDataDir } from './paths.js';
import { appVersion } from './version.js';
import { EngineAccess } from './docker/engine.js';
import { runDoctor } from './doctor/doctor.js';
import { EngineWatch } from './docker/engine-events.js';
import { createRegistryHandlers } from './registry/handlers.js';
import { createLocalRegistryHandlers } from './local-registry/handlers.js';
import { createBuilderHandlers } from './builder/handlers.js';
import { createRunsHandlers } from './runs/handlers.js';
import { createBuildHandlers } from './build/handlers.js';
import type { SweepReport } from './contract/sweep.js';
import { sweepInterrupted } from './docker/sweep.js';
import { extraLabelsFrom } from './docker/labels.js';
import { withRegistryCheck } from './local-registry/doctor-check.js';
import { verifyReference } from './verify/verify.js';

export { appVersion };

export interface CoreOptions {
  mode: AppInfo['mode'];
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  /** How long a left-behind container must have been stopped before the sweep removes it (tests shorten it). */
  sweepMinAgeMs?: number;
}

/** Shared services that domain handlers are built from. */
export interface CoreDeps {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  events: EventBus;
  tasks: TaskManager;
  settings: SettingsStore;
  engine: EngineAccess;
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

export function createCore(options: CoreOptions): Core {
  const env = options.env ?? process.env;
  const dataDir = options.dataDir ?? defaultDataDir(env);
  const events = new EventBus();
  const deps: CoreDeps = {
    env,
    dataDir,
    events,
    tasks: new TaskManager(events),
    settings: new SettingsStore(dataDir),
    engine: new EngineAccess({ env, events }),
  };

  let lastSweep: SweepReport | null = null;
  const ageFromEnv = /^\d+$/.test(env.MULTIARCH_LAB_SWEEP_MIN_AGE_MS ?? '') ? Number(env.MULTIARCH_LAB_SWEEP_MIN_AGE_MS) : undefined;
  const sweepMinAgeMs = options.sweepMinAgeMs ?? ageFromEnv;
  const sweep = async (signal?: AbortSignal): Promise<SweepReport> => {
    const docker = await deps.engine.docker(signal);
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
    }),
    'doctor:report': async (_input, ctx) => withRegistryCheck(await runDoctor({ engine: deps.engine, env, ...(ctx.signal ? { signal: ctx.signal } : {}) }), deps, ctx.signal),
    'settings:get': async () => deps.settings.read(),
    'settings:update': async (patch) => deps.settings.update(patch),
    'tasks:list': async () => deps.tasks.list(),
    'tasks:cancel': async ({ id }) => ({ cancelled: deps.tasks.cancel(id) }),
    ...createRegistryHandlers(),
    ...createLocalRegistryHandlers(deps),
    'registry:verify': async (input, ctx) => verifyReference(input, ctx.signal),
    ...createBuilderHandlers(deps),
    ...createRunsHandlers(deps),
    ...createBuildHandlers(deps),
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
