/**
 * `multiarch-lab builder ls [--json]` answered before the command line and the core load (issue 15). Node's own
 * start and the load of the CLI and the core were most of the command's time once buildx's answer came from its
 * files and the engine (core/builder/native-ls.ts). This gives the same answer from the same functions without
 * loading them all, in exactly the case where the core would compute it the same way:
 *  - Linux, no DOCKER_HOST, no docker context (DOCKER_CONTEXT or config.json), and the system socket there: the
 *    engine discovery then picks the system socket whenever it answers, and the docker CLI runs with
 *    DOCKER_HOST=unix:///var/run/docker.sock (early-buildx-ls.ts makes the same guess, and the core checks it);
 *  - the docker binary the core would pick (the override or the first on PATH) has a buildx probe in the cache whose
 *    fingerprint still holds (the core would read the same entry: its buildx version is the list's);
 *  - buildx's files and the engine answer `buildx ls` natively (native-ls-plan.ts: buildx 0.13.1, builders on this
 *    engine), every builder has one node (a builder spanning engines asks each engine for its platform: the core
 *    does that), and the JSON part reads.
 * Anything else, or anything failing on the way: nothing is printed and the command runs as usual.
 * test/integration/cli-lean-builder-ls.test.ts compares both ways' output.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BuilderList } from '../core/contract/builder.js';
import { buildersFromLs } from '../core/builder/model.js';
import { dropEarlyNativeLs, nativeBuildxLs, peekEarlyNativeLs } from '../core/builder/native-ls.js';
import { buildxFingerprint, readCachedBuildx } from '../core/docker/buildx-probe-cache.js';
import { parseBuildxLsTemplate } from '../core/docker/parsers/buildx-ls.js';
import { defaultDataDir } from '../core/paths.js';
import { contextInConfig, firstDocker } from './early-buildx-ls.js';
import { renderList } from './render/builder-list.js';

const SYSTEM_SOCKET = '/var/run/docker.sock';
/**
 * How long this path waits for the engine and BuildKit before it steps aside (the answer takes ~60 ms here). An
 * engine that takes connections and never answers then costs this much more than the usual command's own wait,
 * not the native path's 20 s.
 */
const LEAN_BUDGET_MS = 1500;

/** True when the answer was printed; false when nothing was (the usual command then runs). */
export async function answerBuilderLs(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<boolean> {
  const json = args.length === 3 && args[2] === '--json';
  if (platform !== 'linux' || args[0] !== 'builder' || args[1] !== 'ls' || !(args.length === 2 || json)) return false;
  if (env.MULTIARCH_LAB_LEAN === '0') return false;
  if (env.DOCKER_HOST || env.DOCKER_CONTEXT || contextInConfig(env) || !existsSync(SYSTEM_SOCKET)) return false;
  const bin = env.MULTIARCH_LAB_DOCKER_CLI || firstDocker(env);
  if (!bin) return false;
  try {
    const fingerprint = await buildxFingerprint(bin, env, platform);
    const cached = fingerprint ? await readCachedBuildx(path.join(defaultDataDir(env), 'cache', 'buildx-probe.json'), bin, fingerprint) : undefined;
    if (!cached) return false;
    const cliEnv: NodeJS.ProcessEnv = { ...env, DOCKER_CLI_HINTS: 'false', DOCKER_HOST: `unix://${SYSTEM_SOCKET}` };
    // the answer cli/index.ts asked for before this ran (early-buildx-ls.ts), when it was for this same environment
    const early = peekEarlyNativeLs(cliEnv);
    const text = await (early
      ? Promise.race([early, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), LEAN_BUDGET_MS).unref())])
      : nativeBuildxLs(cliEnv, cached.buildx, { timeoutMs: LEAN_BUDGET_MS, signal: AbortSignal.timeout(LEAN_BUDGET_MS), platform }));
    const parsed = text === undefined ? undefined : parseBuildxLsTemplate(text);
    if (!parsed) return false;
    const { builders, current, fromJson } = buildersFromLs(parsed.table, parsed.jsonText);
    if (!fromJson || builders.some((b) => b.nodes.length > 1)) return false;
    const list: BuilderList = { builders, buildxVersion: cached.buildx.version };
    if (current) list.current = current;
    write(json ? `${JSON.stringify(list, null, 2)}\n` : renderList(list));
    dropEarlyNativeLs();
    return true;
  } catch {
    return false;
  }
}
