/**
 * The Doctor's report, started before the rest of the core loads (issue 15, browser mode's cold start). Every page
 * asks for it first, and most of its time is spent waiting: for `docker buildx ls`, for the engine's answers. This
 * module loads only what the report needs (the event bus, the engine access, the Doctor; no zod, no channel
 * schemas), so `serve` starts the probes at once and loads the server and the core while they run. The core is
 * then made with the same engine access (createCore's `early`), and its first `doctor:report` call takes this
 * report instead of starting another: the same function on the same engine access, only started sooner.
 */
import type { DoctorReport } from './contract/doctor.js';
import { runDoctor } from './doctor/doctor.js';
import { createEngineServices, type EngineServices } from './engine-services.js';

/** How long a finished early report still stands for the core's first call (as the server's warm call's grace). */
const STANDS_MS = 2000;

export interface EarlyDoctor {
  services: EngineServices;
  /**
   * The report for the first call that asks, once; undefined when it was taken, failed or finished too long ago
   * (that call runs the Doctor itself). `signal` aborting stops the early report, as it would its own.
   */
  take(signal?: AbortSignal): Promise<DoctorReport> | undefined;
  /** Stops it when nobody will ask (the server is closing). */
  drop(): void;
  /** Resolves when the early report has finished, whichever way. */
  readonly settled: Promise<void>;
}

export function startEarlyDoctor(env: NodeJS.ProcessEnv, dataDir: string, now: () => number = Date.now): EarlyDoctor {
  const services = createEngineServices(env, dataDir);
  const controller = new AbortController();
  let settledAt: number | undefined;
  let failed = false;
  let report: Promise<DoctorReport> | undefined = runDoctor({ engine: services.engine, env, signal: controller.signal });
  const settled = report.then(
    () => {
      settledAt = now();
    },
    () => {
      settledAt = now();
      failed = true;
    },
  );
  return {
    services,
    settled,
    take(signal) {
      const r = report;
      report = undefined;
      if (!r || failed || (settledAt !== undefined && now() - settledAt > STANDS_MS)) {
        if (settledAt === undefined) controller.abort();
        return undefined;
      }
      if (signal) {
        const onAbort = () => controller.abort(signal.reason);
        if (signal.aborted) onAbort();
        else {
          signal.addEventListener('abort', onAbort, { once: true });
          void r.finally(() => signal.removeEventListener('abort', onAbort)).catch(() => undefined);
        }
      }
      return r;
    },
    drop() {
      report = undefined;
      if (settledAt === undefined) controller.abort();
    },
  };
}
