import { createCore, type Core, type CoreOptions } from '../core/app.js';
import { dropPrestarted } from '../core/docker/prestarted.js';
import { dropEarlyNativeLs } from '../core/builder/native-ls.js';

/**
 * Creates the core for one command and always closes it, so no connection keeps the process alive. With `sweep`,
 * the command first removes what an interrupted run left behind (see reportSweep).
 */
export async function withCore<T>(mode: CoreOptions['mode'], body: (core: Core) => Promise<T>, options: { sweep?: boolean } = {}): Promise<T> {
  const core = createCore({ mode });
  try {
    if (options.sweep) await reportSweep(core);
    return await body(core);
  } finally {
    // a command cli/index.ts started early that this one did not take (see early-buildx-ls.ts) stops now
    dropPrestarted();
    dropEarlyNativeLs();
    await core.close();
  }
}

/** The core of a command that starts containers (registry, build, run): it sweeps first. */
export function withSweptCore<T>(mode: CoreOptions['mode'], body: (core: Core) => Promise<T>): Promise<T> {
  return withCore(mode, body, { sweep: true });
}

/**
 * A command that starts containers sweeps what an interrupted run left behind and says so on stderr (stdout
 * stays the command's own, --json included). Short: an engine that is down is the command's to report.
 */
async function reportSweep(core: Core): Promise<void> {
  try {
    const report = await core.sweepInterrupted(AbortSignal.timeout(2000));
    if (report.removed.length || report.failed.length) process.stderr.write(`note: ${report.message}\n`);
  } catch {
    // the engine did not answer in time: the command itself will say what is wrong
  }
}
