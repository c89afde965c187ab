/** The docker commands behind the Builder view's forms, shown (and copyable) before anything runs. */
import { appendArgs, builderCreateCommands, dockerCommand, HOST_NETWORK_DRIVER_OPTS } from '../../../core/commands/builder.js';

export interface CreateDraft {
  name: string;
  hostNetwork: boolean;
  insecure: string;
  use: boolean;
  bootstrap: boolean;
}

/** "a:5000, b:5000\nc" -> ['a:5000', 'b:5000', 'c']: people paste lists every which way. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The driver options the form asks for: the host network, or none. */
export function draftDriverOpts(d: Pick<CreateDraft, 'hostNetwork'>): Record<string, string> {
  return d.hostNetwork ? { ...HOST_NETWORK_DRIVER_OPTS } : {};
}

/**
 * What builder create runs for this form, from the core's own builder of those commands. The buildkitd
 * config for plain-HTTP registries is a file the app writes; its path shows on the task once it runs.
 */
export function createCommands(d: CreateDraft): string[][] {
  return builderCreateCommands({ name: d.name.trim() || 'mybuilder', driver: 'docker-container', driverOpts: draftDriverOpts(d), use: d.use, bootstrap: d.bootstrap });
}

export interface AppendDraft {
  builder: string;
  endpoint: string;
  node: string;
  platforms: string;
  /** `key=value` driver options, comma- or space-separated (network=host for an engine without a bridge). */
  driverOpts?: string;
  /** Registries the node reaches over plain HTTP, host:port each. */
  insecure?: string;
}

/** "network=host, env.X=1" -> {network: 'host', 'env.X': '1'}; an item without "=" is kept with an empty value so validation names it. */
export function parseDriverOpts(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of splitList(text)) {
    const at = item.indexOf('=');
    if (at < 0) out[item] = '';
    else out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

export function appendCommand(d: AppendDraft): string[] {
  const platforms = splitList(d.platforms);
  return dockerCommand(
    appendArgs({
      name: d.builder || 'mybuilder',
      endpoint: d.endpoint.trim() || 'ssh://user@host',
      ...(d.node.trim() ? { nodeName: d.node.trim() } : {}),
      ...(platforms.length ? { platforms } : {}),
      ...(d.driverOpts?.trim() ? { driverOpts: parseDriverOpts(d.driverOpts) } : {}),
    }),
  );
}
