/**
 * A command started before the core loads (issue 15): `multiarch-lab builder ls` and `doctor` spend most of their
 * time waiting for `docker buildx ls`, which used to start only after the CLI and the core had loaded and the engine
 * had answered. cli/index.ts starts it at once, on the binary and environment the core will most likely use; the
 * core takes it (once) only when the command it would run is the same in every respect: binary, arguments,
 * environment, timeout, nothing else set. Anything else, or nobody asking, stops it. The answer is the one the core
 * would have had: the same command through the same runner (exec.ts), only started sooner.
 *
 * The slot lives on globalThis: cli/index.ts and the CLI bundle each have their own copy of this module.
 */
import { runCommand, type CommandResult, type RunOptions } from './exec.js';

export interface PrestartedCommand {
  file: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  result: Promise<CommandResult>;
  stop: () => void;
}

const KEY = Symbol.for('dev.multiarch-lab.prestarted-command');

interface Slot {
  current?: PrestartedCommand;
}

function slot(): Slot {
  const g = globalThis as unknown as Record<symbol, Slot | undefined>;
  return (g[KEY] ??= {});
}

/** Starts `file args…` with exactly this environment and timeout, to be taken by `takePrestarted` or stopped. */
export function prestartCommand(file: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number, shownAs?: readonly string[]): void {
  dropPrestarted();
  const controller = new AbortController();
  const result = runCommand(file, args, { env, timeoutMs, signal: controller.signal, ...(shownAs ? { shownAs } : {}) });
  // nobody may ever listen (dropped): its rejection is not an unhandled one
  result.catch(() => undefined);
  const stop = () => controller.abort();
  // the last guard: a process ending without having taken or dropped it stops it (killTree is synchronous)
  const onExit = () => stop();
  process.once('exit', onExit);
  void result.finally(() => process.removeListener('exit', onExit)).catch(() => undefined);
  slot().current = { file, args: [...args], env: { ...env }, timeoutMs, result, stop };
}

/**
 * The prestarted command's result when it is exactly `file args…` run with `opts` (env and timeoutMs set, an
 * optional signal, nothing else); else undefined, and a prestarted command, if any, is stopped. Once only.
 */
export function takePrestarted(file: string, args: readonly string[], opts: RunOptions): Promise<CommandResult> | undefined {
  const p = slot().current;
  if (!p) return undefined;
  slot().current = undefined;
  // how messages name the command changes nothing it does
  const { env, timeoutMs, signal, shownAs: _shownAs, ...rest } = opts;
  const same =
    p.file === file &&
    sameList(p.args, args) &&
    env !== undefined &&
    sameEnv(p.env, env) &&
    timeoutMs === p.timeoutMs &&
    Object.values(rest).every((v) => v === undefined) &&
    !signal?.aborted;
  if (!same) {
    p.stop();
    return undefined;
  }
  if (signal) {
    const onAbort = () => p.stop();
    signal.addEventListener('abort', onAbort, { once: true });
    void p.result.finally(() => signal.removeEventListener('abort', onAbort)).catch(() => undefined);
  }
  return p.result;
}

/** Stops a prestarted command nobody took (the command is over, or went another way). */
export function dropPrestarted(): void {
  const p = slot().current;
  slot().current = undefined;
  p?.stop();
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function sameEnv(a: NodeJS.ProcessEnv, b: NodeJS.ProcessEnv): boolean {
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => a[k] === b[k]);
}
