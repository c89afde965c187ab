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
import { PlainHttpRegistries } from './registry/plain-http-sources.js';
import { verifyReference } from './verify/verify.js';

export { appVersion };

export interface CoreOptions {
  mode: AppInfo['mode'];
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
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
  close(): Promise<void>;
}

export function createCore(options: CoreOptions): Core {
  const env = options.env ?? process.env;
  const dataDir = options.dataDir ?? defaultDataDir(env);
  const events = new EventBus();
  const settings = new SettingsStore(dataDir);
  const engine = new EngineAccess({ env, events });
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

  const handlers: Handlers = {
    'app:info': async () => ({
      name: APP_NAME,
      version: appVersion(),
      mode: options.mode,
      dataDir,
      settingsPath: deps.settings.file,
    }),
    'doctor:report': async (_input, ctx) => runDoctor({ engine: deps.engine, env, ...(ctx.signal ? { signal: ctx.signal } : {}) }),
    'settings:get': async () => deps.settings.read(),
    'settings:update': async (patch) => deps.settings.update(patch),
    'tasks:list': async () => deps.tasks.list(),
    'tasks:cancel': async ({ id }) => ({ cancelled: deps.tasks.cancel(id) }),
    'plain-http:list': async (_input, ctx) => deps.plainHttp.list(ctx.signal),
    'plain-http:add': async ({ registry }) => deps.plainHttp.add(registry),
    'plain-http:remove': async ({ registry }) => deps.plainHttp.remove(registry),
    'plain-http:check': async ({ registry }, ctx) => deps.plainHttp.check(registry, ctx.signal),
    ...createRegistryHandlers(makeClient),
    ...createLocalRegistryHandlers(deps),
    'registry:verify': async (input, ctx) => verifyReference(input, ctx.signal, makeClient),
    ...createBuilderHandlers(deps),
    ...createRunsHandlers({ ...deps, makeClient, engineAgrees: (registry, signal) => deps.plainHttp.requireEngineAgrees(registry, 'run', signal) }),
    ...createBuildHandlers(deps),
  };

  const dispatch = createDispatch(handlers);
  const engineWatch = new EngineWatch({ engine: deps.engine, events });
  return {
    ...deps,
    dispatch,
    call: async (channel, input, ctx) => unwrap(await dispatch(channel, input, ctx)) as never,
    startEngineWatch: () => engineWatch.start(),
    close: async () => {
      // quitting must not leave a build's docker processes (own process groups) running behind us
      await deps.tasks.cancelAll();
      await engineWatch.stop();
      await deps.engine.close();
    },
  };
}
