/**
 * The one API between the core and every front (Electron IPC, WebSocket, CLI).
 * Each channel names its input schema (validated at the boundary) and its output type.
 * Domain files add their channels to `channels` below; nothing else needs to change.
 */
import { z } from 'zod';
import { Empty, TaskId } from './common.js';
import type { DoctorReport } from './doctor.js';
import { registryBrowserChannels } from './registry.js';
import { registryLifecycleChannels } from './registry-lifecycle.js';
import { registryCheckChannels } from './registry-check.js';
import { sweepChannels } from './sweep.js';
import { builderChannels } from './builder.js';
import { runsChannels } from './runs.js';
import { buildChannels } from './build.js';
import { SettingsPatchSchema, type Settings } from './settings.js';
import type { TaskSnapshot } from './tasks.js';

export interface ChannelDef<I extends z.ZodType, O> {
  input: I;
  /** Phantom field carrying the output type; never set at run time. */
  readonly output?: O;
}

function channel<O>() {
  return <I extends z.ZodType>(input: I): ChannelDef<I, O> => ({ input });
}

export interface AppInfo {
  name: string;
  version: string;
  mode: 'electron' | 'browser' | 'cli';
  dataDir: string;
  settingsPath: string;
}

export const channels = {
  'app:info': channel<AppInfo>()(Empty),
  'doctor:report': channel<DoctorReport>()(Empty),
  'settings:get': channel<Settings>()(Empty),
  'settings:update': channel<Settings>()(SettingsPatchSchema),
  'tasks:list': channel<TaskSnapshot[]>()(Empty),
  'tasks:cancel': channel<{ cancelled: boolean }>()(z.object({ id: TaskId }).strict()),
  ...registryBrowserChannels,
  ...registryLifecycleChannels,
  ...registryCheckChannels,
  ...sweepChannels,
  ...builderChannels,
  ...runsChannels,
  ...buildChannels,
} as const;

export type Channels = typeof channels;
export type Channel = keyof Channels;
/** What a caller may send (defaults not yet applied). */
export type ChannelInput<C extends Channel> = z.input<Channels[C]['input']>;
/** What a handler receives, after validation and defaults. */
export type ChannelParsed<C extends Channel> = z.output<Channels[C]['input']>;
export type ChannelOutput<C extends Channel> = NonNullable<Channels[C]['output']>;

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(channels, name);
}

export const channelNames = Object.keys(channels) as Channel[];
