/**
 * `docker buildx ls --format LS_TEMPLATE` answered without starting a process (issue 15), for the case
 * native-ls-plan.ts admits: buildx 0.13.1, the engine on its unix socket, the default context and docker-container
 * builders on that engine. The output is the one buildx prints, row for row, so the caller parses it exactly as it
 * parses buildx's (parseBuildxLsTemplate); every field our parsers read is the one buildx would print.
 *
 * What buildx 0.13.1 does per node (builder/node.go loadData), and what this does the same way:
 * - the docker driver (the "default" context builder): always "running"; BuildKit is the engine's own, reached by
 *   `POST /grpc` upgraded to h2c;
 * - the docker-container driver: inspects the container buildx_buildkit_NODE: absent → "inactive", State.Running →
 *   "running", otherwise "stopped"; only a running node is asked, through `buildctl dial-stdio` exec'd in it;
 * - a running node: ListWorkers (IDs sorted, platforms of every worker after the pinned ones, deduplicated; the
 *   first worker's labels), then Info for the BuildKit version. An Info that fails (buildx would then ask
 *   `buildkitd --version`) or anything else that fails: undefined, and the caller runs buildx, whose messages are
 *   the ones a user then sees.
 */
import { askContainerBuildkit, askEngineBuildkit, engineJson, type BuildkitAnswers } from '../docker/buildkit-grpc.js';
import { nativeLsVerified, normalPlatform, planBuildxLs, type PlannedBuilder, type PlannedNode } from './native-ls-plan.js';

export { nativeLsVerified };

/** The buildx version in use (the probe's; before the core loads, the probe cache's). */
type VersionSeen = Parameters<typeof nativeLsVerified>[0];

interface NodeState {
  status: 'running' | 'stopped' | 'inactive';
  answers?: BuildkitAnswers;
}

async function containerState(socketPath: string, node: PlannedNode, timeoutMs: number, signal?: AbortSignal): Promise<NodeState> {
  const container = `buildx_buildkit_${node.name}`;
  const inspected = await engineJson(socketPath, 'GET', `/containers/${encodeURIComponent(container)}/json`, undefined, signal);
  if (inspected.status === 404) return { status: 'inactive' };
  if (inspected.status !== 200) throw new Error(`engine: inspect ${container} answered ${inspected.status}`);
  const running = (inspected.body as { State?: { Running?: unknown } } | undefined)?.State?.Running;
  if (typeof running !== 'boolean') throw new Error(`engine: inspect ${container} has no State.Running`);
  if (!running) return { status: 'stopped' };
  return { status: 'running', answers: await askContainerBuildkit(socketPath, container, timeoutMs, signal) };
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(record).sort()) out[k] = record[k] as string;
  return out;
}

/** platformutil.Dedupe of the pinned platforms then every worker's; undefined when one is not in normal form. */
function nodePlatforms(pinned: readonly string[], answers: BuildkitAnswers | undefined): string[] | undefined {
  if (!answers) return [...pinned];
  const all: string[] = [...pinned];
  for (const w of answers.workers) {
    for (const p of w.platforms) {
      const formatted = normalPlatform(p.os, p.architecture, p.variant);
      if (!formatted) return undefined;
      all.push(formatted);
    }
  }
  return [...new Set(all)];
}

/** platformutil.FormatInGroups(pinned, platforms), joined as ls prints it. */
function platformCell(pinned: readonly string[], platforms: readonly string[]): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const [i, group] of [pinned, platforms].entries()) {
    for (const p of group) {
      if (seen.has(p)) continue;
      seen.add(p);
      out.push(i === 0 ? `${p}*` : p);
    }
  }
  return out.join(', ');
}

function row(builderJson: unknown, current: boolean, cells: [string, string, string, string, string, string]): string {
  return [JSON.stringify(builderJson), JSON.stringify(current), ...cells.map((c) => JSON.stringify(c))].join('\t');
}

/**
 * What `docker buildx ls --format LS_TEMPLATE` prints for ENV (the docker CLI's environment), or undefined when this
 * case is not one answered here or anything on the way fails (the caller then runs buildx).
 */
export async function nativeBuildxLs(
  env: NodeJS.ProcessEnv,
  buildx: VersionSeen | 'checked-by-caller',
  opts: { timeoutMs: number; signal?: AbortSignal; platform?: NodeJS.Platform },
): Promise<string | undefined> {
  // 'checked-by-caller': asked before the buildx version is known; the caller uses the answer only for a verified one
  if (buildx !== 'checked-by-caller' && !nativeLsVerified(buildx)) return undefined;
  const planned = planBuildxLs(env, opts.platform);
  if (!('plan' in planned)) return undefined;
  const { plan } = planned;
  const timeoutMs = Math.min(opts.timeoutMs, 20_000);
  try {
    const states = await Promise.all(
      plan.builders.map((b) =>
        Promise.all(
          b.nodes.map(async (n): Promise<NodeState> =>
            b.driver === 'docker' ? { status: 'running', answers: await askEngineBuildkit(plan.socketPath, timeoutMs, opts.signal) } : containerState(plan.socketPath, n, timeoutMs, opts.signal),
          ),
        ),
      ),
    );
    const lines: string[] = [];
    for (const [bi, b] of plan.builders.entries()) {
      const rendered = renderBuilder(b, states[bi] as NodeState[], b.name === plan.current);
      if (!rendered) return undefined;
      lines.push(...rendered);
    }
    return lines.map((l) => `${l}\n`).join('');
  } catch {
    return undefined;
  }
}

function renderBuilder(b: PlannedBuilder, states: NodeState[], current: boolean): string[] | undefined {
  const nodes: Array<{ json: Record<string, unknown>; cells: [string, string, string, string, string, string] }> = [];
  for (const [i, n] of b.nodes.entries()) {
    const state = states[i] as NodeState;
    const platforms = nodePlatforms(n.pinned, state.answers);
    if (!platforms) return undefined;
    const json: Record<string, unknown> = { Name: n.name, Endpoint: n.endpoint };
    if (n.flags.length) json.Flags = n.flags;
    if (Object.keys(n.driverOpts).length) json.DriverOpts = sortedRecord(n.driverOpts);
    if (Object.keys(n.files).length) json.Files = sortedRecord(n.files);
    json.Status = state.status;
    const version = state.answers?.version ?? '';
    if (version) json.Version = version;
    const ids = (state.answers?.workers ?? []).map((w) => w.id).sort();
    if (ids.length) json.IDs = ids;
    if (platforms.length) json.Platforms = platforms;
    const gc = state.answers?.workers[0]?.gcPolicy;
    // client.PruneInfo's JSON: filter (null when none), all, keepDuration (ns), keepBytes
    if (gc?.length) json.GCPolicy = gc.map((p) => ({ filter: p.filters.length ? p.filters : null, all: p.all, keepDuration: p.keepDuration, keepBytes: p.keepBytes }));
    const labels = state.answers?.workers[0]?.labels;
    if (labels && Object.keys(labels).length) json.Labels = sortedRecord(labels);
    nodes.push({ json, cells: [n.name, n.endpoint, state.status, version, platformCell(n.pinned, platforms), ''] });
  }
  const builderJson = { Name: b.name, Driver: b.driver, LastActivity: b.lastActivity, Dynamic: false, Nodes: nodes.map((n) => n.json) };
  return [row(builderJson, current, [b.name, b.driver, '', '', '', '']), ...nodes.map((n) => row(builderJson, current, n.cells))];
}

// ---------------------------------------------------------------- started before the core loads

const KEY = Symbol.for('dev.multiarch-lab.early-native-ls');

interface EarlyNativeLs {
  env: NodeJS.ProcessEnv;
  result: Promise<string | undefined>;
  stop: () => void;
}

function slot(): { current?: EarlyNativeLs } {
  const g = globalThis as unknown as Record<symbol, { current?: EarlyNativeLs } | undefined>;
  return (g[KEY] ??= {});
}

/**
 * Starts nativeBuildxLs for ENV at once (cli/early-buildx-ls.ts, before the CLI and the core load: most of its time
 * is BuildKit's ListWorkers, ~55 ms on the engine's side, which then overlaps Node's own start). Kept on globalThis:
 * the CLI bundle has its own copy of this module.
 */
export function startEarlyNativeLs(env: NodeJS.ProcessEnv, buildx: VersionSeen, timeoutMs: number, platform?: NodeJS.Platform): void {
  const controller = new AbortController();
  const result = nativeBuildxLs(env, buildx, { timeoutMs, signal: controller.signal, ...(platform ? { platform } : {}) });
  result.catch(() => undefined);
  slot().current = { env: { ...env }, result, stop: () => controller.abort() };
}

/** Stops an early answer nobody took (its sockets would keep the process alive until they time out). */
export function dropEarlyNativeLs(): void {
  const early = slot().current;
  slot().current = undefined;
  early?.stop();
}

/**
 * The early answer when it was asked for exactly this environment, left in place (cli/lean-builder-ls.ts: if it
 * then hands over to the command line, the core takes it or stops it); else undefined.
 */
export function peekEarlyNativeLs(env: NodeJS.ProcessEnv): Promise<string | undefined> | undefined {
  const early = slot().current;
  return early && sameEnv(early.env, env) ? early.result : undefined;
}

function sameEnv(a: NodeJS.ProcessEnv, b: NodeJS.ProcessEnv): boolean {
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => a[k] === b[k]);
}

/** The early answer when it was asked for exactly this environment; else undefined. Once only. */
export function takeEarlyNativeLs(env: NodeJS.ProcessEnv): Promise<string | undefined> | undefined {
  const early = slot().current;
  slot().current = undefined;
  if (!early) return undefined;
  if (sameEnv(early.env, env)) return early.result;
  early.stop();
  return undefined;
}
