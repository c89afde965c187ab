/**
 * What the core needs to know about its channels before any input arrives, without zod (issue 15): loading zod
 * and building every channel's schema was about half of what a CLI command spent before its first engine
 * connection. The schemas stay in the domain files and channels.ts, loaded on the first input that needs them.
 *
 * Kept in step with channels.ts by the compiler: each list must name exactly its domain's channels, and the task
 * kinds must be exactly the task channels' kinds (see `exactly` below); test/unit/contract/channel-table.test.ts
 * checks the empty-input list against the schemas themselves.
 */
import type { Channel, Channels, TaskChannel, TaskKindOf } from './channels.js';
import type { registryBrowserChannels } from './registry.js';
import type { registryLifecycleChannels } from './registry-lifecycle.js';
import type { registryCheckChannels } from './registry-check.js';
import type { sweepChannels } from './sweep.js';
import type { builderChannels } from './builder.js';
import type { runsChannels } from './runs.js';
import type { buildChannels } from './build.js';
import type { plainHttpChannels } from './plain-http.js';
import type { uiStateChannels } from './ui-state.js';
import type { verifyChannels } from './verify.js';

/** The list as given, if it names every key of T and nothing else; a compile error otherwise. */
function exactly<T extends object>() {
  return <const L extends readonly (keyof T & string)[]>(list: L & ([Exclude<keyof T, L[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, L[number]> })): L => list;
}

type CoreOwn = Omit<Channels, keyof (typeof registryBrowserChannels & typeof registryLifecycleChannels & typeof registryCheckChannels & typeof sweepChannels & typeof builderChannels & typeof runsChannels & typeof buildChannels & typeof plainHttpChannels & typeof uiStateChannels & typeof verifyChannels)>;

export const channelGroups = {
  core: exactly<CoreOwn>()(['app:info', 'doctor:report', 'settings:get', 'settings:update', 'tasks:list', 'tasks:cancel']),
  registryBrowser: exactly<typeof registryBrowserChannels>()(['registry:catalog', 'registry:tags', 'registry:inspect', 'registry:delete']),
  registryLifecycle: exactly<typeof registryLifecycleChannels>()(['registry:up', 'registry:status', 'registry:stop', 'registry:start', 'registry:down', 'registry:volume-usage', 'registry:gc']),
  registryCheck: exactly<typeof registryCheckChannels>()(['registry:check']),
  sweep: exactly<typeof sweepChannels>()(['engine:last-sweep']),
  builder: exactly<typeof builderChannels>()([
    'builder:list',
    'builder:create',
    'builder:inspect',
    'builder:use',
    'builder:remove',
    'builder:append-node',
    'builder:emulators',
    'builder:install-emulators',
    'builder:default-driver',
  ]),
  runs: exactly<typeof runsChannels>()(['runs:start', 'runs:list', 'runs:get', 'runs:export', 'runs:delete', 'runs:hosts']),
  build: exactly<typeof buildChannels>()(['build:run', 'build:check', 'build:readiness', 'build:history', 'tutorial:init', 'tutorial:steps']),
  plainHttp: exactly<typeof plainHttpChannels>()(['plain-http:list', 'plain-http:add', 'plain-http:remove', 'plain-http:check']),
  uiState: exactly<typeof uiStateChannels>()(['ui-state:get', 'ui-state:set']),
  verify: exactly<typeof verifyChannels>()(['registry:verify']),
} as const;

const allChannels = new Set<string>(Object.values(channelGroups).flat());

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && allChannels.has(name);
}

/**
 * Channels whose schema takes `{}` and gives back `{}` (no field required, no default filled in): given an empty
 * plain object, dispatch passes `{}` on without loading the schemas, which is what they would answer. Any other
 * input to them still goes through the schema, and its error.
 */
export const emptyInputChannels: ReadonlySet<Channel> = new Set<Channel>([
  'app:info',
  'doctor:report',
  'settings:get',
  'settings:update',
  'tasks:list',
  'registry:up',
  'registry:status',
  'registry:stop',
  'registry:start',
  'registry:down',
  'registry:volume-usage',
  'registry:gc',
  'registry:check',
  'engine:last-sweep',
  'builder:list',
  'builder:emulators',
  'builder:install-emulators',
  'builder:default-driver',
  'runs:list',
  'tutorial:init',
  'tutorial:steps',
  'plain-http:list',
  'ui-state:get',
]);

/** True for `{}` and `Object.create(null)`: own no keys, a plain object. */
export function isEmptyPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return (proto === Object.prototype || proto === null) && Reflect.ownKeys(value).length === 0;
}

/** The kind of task each task channel's call starts, as the contract declares it next to the channel. */
export const taskKinds: { readonly [C in TaskChannel]: TaskKindOf<C> } = {
  'registry:up': 'registry:up',
  'registry:gc': 'registry:gc',
  'builder:create': 'builder:create',
  'builder:install-emulators': 'builder:install-emulators',
  'runs:start': 'runs',
  'build:run': 'build',
};

export function taskKindOf<C extends TaskChannel>(channel: C): TaskKindOf<C> {
  return taskKinds[channel];
}
