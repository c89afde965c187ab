/**
 * Gathers the plain-HTTP list (see plain-http.ts) from where it lives: the user's settings, the buildkitd.toml
 * of every buildx builder (buildx keeps a copy in its instance file), and the engine's `docker info`.
 * Every registry client of the app is made here, so all of them agree on HTTP or HTTPS.
 */
import { lookup } from 'node:dns/promises';
import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { PlainHttpDecision, PlainHttpEntry, PlainHttpList } from '../contract/plain-http.js';
import { dockerConfigDir } from '../docker/discovery.js';
import type { EngineAccess } from '../docker/engine.js';
import type { SettingsStore } from '../settings.js';
import type { RegistryClient, RegistryClientOptions } from './client.js';
import {
  decidePlainHttp,
  engineInsecureConfig,
  engineNeedsInsecureRegistryError,
  engineTreatsAsInsecure,
  literalAddress,
  mergePlainHttpEntries,
  plainHttpRegistriesOfBuildkitdToml,
  registryKey,
} from './plain-http.js';
import { DOCKER_HUB, hostOf, isLoopbackRegistry } from './reference.js';

export interface PlainHttpSourcesDeps {
  settings: SettingsStore;
  engine: EngineAccess;
  env: NodeJS.ProcessEnv;
  /** Where buildx keeps its builders; defaults to $DOCKER_CONFIG/buildx or ~/.docker/buildx. */
  buildxDir?: string;
  /** Name resolution, for the engine's CIDRs (dockerd resolves names before matching them). */
  resolve?: (host: string) => Promise<string[]>;
}

/** The engine's answer changes only when its daemon.json does (and it restarts): a few seconds of cache is safe. */
const ENGINE_CACHE_MS = 5_000;
const LOOKUP_TIMEOUT_MS = 2_000;

export interface Decided extends PlainHttpDecision {
  /** What the host name resolved to here (empty for IP literals or when not needed). */
  addresses: string[];
  /** Whether `docker push`/`pull` on this engine would use plain HTTP for it. */
  engineInsecure: boolean;
  /** The engine's own insecure registries by name, for the daemon.json hint. */
  engineRegistries: string[];
}

async function resolveWithTimeout(host: string): Promise<string[]> {
  const timeout = new Promise<string[]>((resolve) => setTimeout(() => resolve([]), LOOKUP_TIMEOUT_MS).unref());
  const found = lookup(host, { all: true }).then((r) => r.map((a) => a.address)).catch(() => []);
  return Promise.race([found, timeout]);
}

export class PlainHttpRegistries {
  private engineCache: { at: number; value: { registries: string[]; cidrs: string[] } } | undefined;

  constructor(private readonly deps: PlainHttpSourcesDeps) {}

  private buildxDir(): string {
    return this.deps.buildxDir ?? path.join(dockerConfigDir(this.deps.env, homedir()), 'buildx');
  }

  /** `http = true` registries of every builder's buildkitd.toml, as buildx stored it. */
  async builderEntries(): Promise<PlainHttpEntry[]> {
    const dir = path.join(this.buildxDir(), 'instances');
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const out: PlainHttpEntry[] = [];
    for (const file of names) {
      let instance: { Name?: unknown; Nodes?: Array<{ Name?: unknown; Files?: Record<string, unknown> }> };
      try {
        instance = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as typeof instance;
      } catch {
        continue; // a half-written or foreign file is not a builder
      }
      const builder = typeof instance.Name === 'string' ? instance.Name : file;
      for (const node of instance.Nodes ?? []) {
        const toml = node.Files?.['buildkitd.toml'];
        if (typeof toml !== 'string') continue;
        const text = Buffer.from(toml, 'base64').toString('utf8');
        for (const registry of plainHttpRegistriesOfBuildkitdToml(text)) {
          out.push({ registry, source: 'builder', detail: `"${builder}"` });
        }
      }
    }
    return out;
  }

  /** The engine's insecure registries and CIDRs; throws when the engine cannot be reached. */
  async engineConfig(signal?: AbortSignal): Promise<{ registries: string[]; cidrs: string[] }> {
    if (this.engineCache && Date.now() - this.engineCache.at < ENGINE_CACHE_MS) return this.engineCache.value;
    const docker = await this.deps.engine.docker(signal);
    const value = engineInsecureConfig(await docker.info());
    this.engineCache = { at: Date.now(), value };
    return value;
  }

  async list(signal?: AbortSignal): Promise<PlainHttpList> {
    const unread: PlainHttpList['unread'] = [];
    const entries: PlainHttpEntry[] = [];
    const [settings, builders, engine] = await Promise.allSettled([this.deps.settings.read(), this.builderEntries(), this.engineConfig(signal)]);
    if (settings.status === 'fulfilled') entries.push(...settings.value.plainHttpRegistries.map((registry): PlainHttpEntry => ({ registry, source: 'settings', detail: 'Settings' })));
    else unread.push({ source: 'settings', message: messageOf(settings.reason) });
    if (builders.status === 'fulfilled') entries.push(...builders.value);
    else unread.push({ source: 'builder', message: messageOf(builders.reason) });
    let cidrs: string[] = [];
    if (engine.status === 'fulfilled') {
      entries.push(...engine.value.registries.map((registry): PlainHttpEntry => ({ registry, source: 'engine', detail: 'daemon.json insecure-registries' })));
      cidrs = engine.value.cidrs;
    } else unread.push({ source: 'engine', message: messageOf(engine.reason) });
    return { registries: mergePlainHttpEntries(entries), cidrs: cidrs.map((cidr) => ({ cidr, source: 'engine-cidr' })), unread };
  }

  /**
   * HTTP or HTTPS for one registry. Loopback needs no lookup at all (the common case stays instant); a name
   * is resolved only when the engine has CIDRs to match it against.
   */
  async decide(registry: string, opts: { requested?: boolean; signal?: AbortSignal } = {}): Promise<Decided> {
    const key = registryKey(registry);
    if (isLoopbackRegistry(key)) {
      return { ...decidePlainHttp(key, { registries: [], cidrs: [], unread: [] }, [], opts.requested), addresses: [], engineInsecure: true, engineRegistries: [] };
    }
    const list = await this.list(opts.signal);
    const needsLookup = key !== DOCKER_HUB && literalAddress(key) === undefined && list.cidrs.length > 0;
    const addresses = needsLookup ? await (this.deps.resolve ?? resolveWithTimeout)(hostOf(key)) : [];
    return {
      ...decidePlainHttp(key, list, addresses, opts.requested),
      addresses,
      engineInsecure: engineTreatsAsInsecure(key, list, addresses),
      engineRegistries: list.registries.filter((e) => e.source === 'engine').map((e) => e.registry),
    };
  }

  /** A registry client on the scheme the list decides; `insecure` is one call's own request for plain HTTP. */
  async client(registry: string, opts: Omit<RegistryClientOptions, 'registry'> = {}): Promise<RegistryClient> {
    // the client module (and the manifest schemas under it) loads on the first client, not with the core
    const [decision, { RegistryClient }] = await Promise.all([
      this.decide(registry, { ...(opts.insecure ? { requested: true } : {}), ...(opts.signal ? { signal: opts.signal } : {}) }),
      import('./client.js'),
    ]);
    return new RegistryClient({ ...opts, registry, insecure: decision.plainHttp, ...(decision.plainHttp ? { plainHttpReason: decision.reason } : {}) });
  }

  /**
   * For work the engine itself does against the registry (docker push, docker run's pull): throws, before any of
   * it starts, when the app reaches the registry over plain HTTP but the engine would insist on HTTPS.
   */
  async requireEngineAgrees(registry: string, purpose: 'old-school' | 'run', signal?: AbortSignal): Promise<void> {
    const d = await this.decide(registry, signal ? { signal } : {});
    if (d.plainHttp && !d.engineInsecure) throw engineNeedsInsecureRegistryError(registry, d, d.engineRegistries, purpose);
  }

  async add(registry: string): Promise<PlainHttpDecision> {
    const key = registryKey(registry);
    const current = await this.deps.settings.read();
    if (!current.plainHttpRegistries.some((r) => registryKey(r) === key)) {
      await this.deps.settings.update({ plainHttpRegistries: [...current.plainHttpRegistries, key] });
    }
    return this.strip(await this.decide(key));
  }

  async remove(registry: string): Promise<PlainHttpDecision> {
    const key = registryKey(registry);
    const current = await this.deps.settings.read();
    await this.deps.settings.update({ plainHttpRegistries: current.plainHttpRegistries.filter((r) => registryKey(r) !== key) });
    return this.strip(await this.decide(key));
  }

  async check(registry: string, signal?: AbortSignal): Promise<PlainHttpDecision> {
    return this.strip(await this.decide(registry, signal ? { signal } : {}));
  }

  private strip(d: Decided): PlainHttpDecision {
    const out: PlainHttpDecision = { registry: d.registry, plainHttp: d.plainHttp, reason: d.reason };
    if (d.source) out.source = d.source;
    if (d.sources) out.sources = d.sources;
    return out;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
