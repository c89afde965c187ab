import { createCore, type Core, type CoreOptions } from '../core/index.js';

/** Creates the core for one command and always closes it, so no connection keeps the process alive. */
export async function withCore<T>(mode: CoreOptions['mode'], body: (core: Core) => Promise<T>): Promise<T> {
  const core = createCore({ mode });
  try {
    await reportSweep(core);
    return await body(core);
  } finally {
    await core.close();
  }
}

/**
 * Each command starts a core, so each sweeps what an interrupted run left behind and says so on stderr (stdout
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
