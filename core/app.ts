import { UiStateStore } from './ui-state.js';
import { cliInvocation } from './cli-invocation.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { AppInfo, Channel, ChannelInput, ChannelOutput } from './contract/channels.js';
import { createDispatch, unwrap, type CallContext, type Dispatch, type Handlers } from './dispatch.js';
import { EventBus } from './events.js';
import { TaskManager } from './tasks.js';
import { SettingsStore } from './settings.js';
import { APP_NAME, defaultDataDir } from './paths.js';
import { EngineAccess } from './docker/engine.js';
import { runDoctor } from './doctor/doctor.js';
import { EngineWatch } from './docker/engine-events.js';
import { deleteImage, listRepositories, listTags } from './registry/client.js';
import { inspectReference } from './registry/manifest.js';
import { registryDown, registryGc, registryStart, registryStatus, registryStop, registryUp, registryVolumeUsage } from './registry/lifecycle.js';
import { createBuilderHandlers } from './builder/handlers.js';
import { createRunsHandlers } from './runs/handlers.js';
import { createBuildHandlers } from './build/handlers.js';

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
}

export interface Core extends CoreDeps {
  dispatch: Dispatch;
  /** Typed in-process call; throws AppError on failure. */
  call<C extends Channel>(channel: C, input: ChannelInput<C>, ctx?: CallContext): Promise<ChannelOutput<C>>;
  /** Starts watching the engine's events ('engine:changed', 'engine:status'); idempotent, stopped by close(). */
  startEngineWatch(): void;
  close(): Promise<void>;
}

export function appVersion(): string {
  try {
    const here = path.dirname(fileURLToPath(import.meta.url));
    for (const candidate of [path.join(here, '..', 'package.json'), path.join(here, '..', '..', 'package.json')]) {
      try {
        const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'multiarch-lab' && pkg.version) return pkg.version;
      } catch {
        // try the next candidate
      }
    }
  } catch {
    // fall through
  }
  return '0.0.0';
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

  const uiState = new UiStateStore(dataDir);
  const handlers: Handlers = {
    'app:info': async () => ({
      name: APP_NAME,
      version: appVersion(),
      mode: options.mode,
      dataDir,
      settingsPath: deps.settings.file,
      cli: cliInvocation(env).prefix,
    }),
    'doctor:report': async (_input, ctx) => runDoctor({ engine: deps.engine, env, ...(ctx.signal ? { signal: ctx.signal } : {}) }),
    'settings:get': async () => deps.settings.read(),
    'settings:update': async (patch) => deps.settings.update(patch),
    'tasks:list': async () => deps.tasks.list(),
    'ui-state:get': async () => uiState.read(),
    'ui-state:set': async ({ key, value }) => uiState.set(key, value),
    'tasks:cancel': async ({ id }) => ({ cancelled: deps.tasks.cancel(id) }),
    'registry:catalog': async (input, ctx) => listRepositories(input, ctx.signal),
    'registry:tags': async (input, ctx) => listTags(input, ctx.signal),
    'registry:inspect': async (input, ctx) => inspectReference(input, ctx.signal),
    'registry:delete': async (input, ctx) => deleteImage(input, ctx.signal),
    'registry:up': async (input, ctx) => registryUp(deps, input, ctx.signal),
    'registry:status': async (input, ctx) => registryStatus(deps, input, ctx.signal),
    'registry:stop': async (input, ctx) => registryStop(deps, input, ctx.signal),
    'registry:start': async (input, ctx) => registryStart(deps, input, ctx.signal),
    'registry:down': async (input, ctx) => registryDown(deps, input, ctx.signal),
    'registry:volume-usage': async (input, ctx) => registryVolumeUsage(deps, input, ctx.signal),
    'registry:gc': async (input, ctx) => registryGc(deps, input, ctx.signal),
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
    startEngineWatch: () => engineWatch.start(),
    close: async () => {
      // quitting must not leave a build's docker processes (own process groups) running behind us
      await deps.tasks.cancelAll();
      await engineWatch.stop();
      await deps.engine.close();
    },
  };
}
