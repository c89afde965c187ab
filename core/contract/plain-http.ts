/**
 * The one list of registries the app reaches over plain HTTP, with where each entry comes from.
 * `plainHttpChannels` is spread into `channels` (channels.ts).
 */
import * as z from 'zod';
import { Empty } from './common.js';
import { channel } from './define.js';
import { RegistryAddress } from './registry.js';

/**
 * loopback: localhost, 127.0.0.0/8, ::1; builder: a buildx builder's buildkitd.toml (`http = true`);
 * engine / engine-cidr: the engine's insecure registries by name / by address block (`docker info`);
 * settings: added by the user; request: one call's own `insecure` flag.
 */
export type PlainHttpSource = 'loopback' | 'builder' | 'engine' | 'engine-cidr' | 'settings' | 'request';

export interface PlainHttpEntry {
  /** host[:port] as the source names it (host lowercased). */
  registry: string;
  source: PlainHttpSource;
  /** Which builder (and its config), which engine setting: shown next to the entry. */
  detail: string;
}

export interface PlainHttpCidr {
  cidr: string;
  source: 'engine-cidr';
}

export interface PlainHttpList {
  registries: PlainHttpEntry[];
  /** The engine's insecure address blocks; a registry whose address falls in one is plain HTTP (as dockerd does). */
  cidrs: PlainHttpCidr[];
  /** Sources that could not be read (the engine down, a builder file unreadable): the list may be short of them. */
  unread: Array<{ source: PlainHttpSource; message: string }>;
}

export interface PlainHttpDecision {
  registry: string;
  plainHttp: boolean;
  /** The source that decided, when plain HTTP. */
  source?: PlainHttpSource;
  /** Every source that lists it. */
  sources?: PlainHttpSource[];
  /** One sentence: which scheme and why. */
  reason: string;
}

export const PlainHttpRegistryInput = z.object({ registry: RegistryAddress }).strict();

export const plainHttpChannels = {
  'plain-http:list': channel<PlainHttpList>()(Empty),
  /** Adds a registry to the user's list in Settings; answers what the app now decides for it. */
  'plain-http:add': channel<PlainHttpDecision>()(PlainHttpRegistryInput),
  'plain-http:remove': channel<PlainHttpDecision>()(PlainHttpRegistryInput),
  'plain-http:check': channel<PlainHttpDecision>()(PlainHttpRegistryInput),
} as const;
