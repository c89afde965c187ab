/**
 * The one API between the core and every front (Electron IPC, WebSocket, CLI).
 * Each channel names its input schema (validated at the boundary) and its output type.
 * Domain files add their channels to `channels` below; nothing else needs to change.
 */
import { uiStateChannels } from './ui-state.js';
import * as z from 'zod';
import { Empty, TaskId } from './common.js';
import type { DoctorReport } from './doctor.js';
import { registryBrowserChannels } from './registry.js';
import { registryLifecycleChannels } from './registry-lifecycle.js';
import { registryCheckChannels } from './registry-check.js';
import { sweepChannels } from './sweep.js';
import { builderChannels } from './builder.js';
import { runsChannels } from './runs.js';
import { buildChannels } from './build.js';
import { plainHttpChannels } from './plain-http.js';
import { verifyChannels } from './verify.js';
import { SettingsPatchSchema, type Settings } from './settings.js';
import type { TaskSnapshot } from './tasks.js';
import { channel } from './define.js';

export type { ChannelDef, TaskChannelDef } from './define.js';

export interface AppInfo {
  name: string;
  version: string;
  mode: 'electron' | 'browser' | 'cli';
  dataDir: string;
  settingsPath: string;
  /** How a printed command calls this app's CLI here: ['multiarch-lab'] when on PATH, else node and the absolute CLI path. */
  cli: string[];
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
  ...plainHttpChannels,
  ...uiStateChannels,
  ...verifyChannels,
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

/** The channels whose call runs as a task (declared with `taskChannel` in their domain's contract). */
export type TaskChannel = { [C in Channel]: Channels[C] extends { task: string } ? C : never }[Channel];
export type TaskKindOf<C extends TaskChannel> = Channels[C] extends { task: infer K } ? K : never;
/** Every kind of task the core runs: one per task channel, declared next to that channel. */
export type TaskKind = TaskKindOf<TaskChannel>;

/** The kind of task a channel's call starts, as the contract declares it. */
export function taskKindOf<C extends TaskChannel>(channel: C): TaskKindOf<C> {
  return (channels[channel] as unknown as { task: TaskKindOf<C> }).task;
}

export const taskChannels = channelNames.filter((c): c is TaskChannel => 'task' in channels[c]);
