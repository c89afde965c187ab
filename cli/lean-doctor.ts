/**
 * `multiarch-lab doctor [--json]` before the command line and the core load (issue 15). The Doctor's own modules
 * (the engine access, the probes, the registry line; no zod, no commander, no channel schemas, the same set
 * core/early-doctor.ts starts browser mode with) are bundled into dist/cli-bundle/early-doctor/, and this runs the
 * report exactly as the core's `doctor:report` handler does (core/app.ts: runDoctor on the engine access, with the
 * registry line from doctorWithRegistry) and prints it exactly as cli/commands/doctor.ts does, exit code and the
 * unreachable-engine error included. Its `buildx ls` may have started before it (cli/early-buildx-ls.ts, started by
 * cli/index.ts), and is taken the way the core takes it. Anything thrown on the way: nothing printed, and the usual
 * command runs (and takes or stops that early `buildx ls`).
 * MULTIARCH_LAB_LEAN=0 turns it off. test/integration/cli-lean-doctor.test.ts compares both ways.
 */
import { dropEarlyNativeLs } from '../core/builder/native-ls.js';
import { dropPrestarted } from '../core/docker/prestarted.js';
import { runDoctor } from '../core/doctor/doctor.js';
import { unreachableError } from '../core/docker/engine.js';
import { createEngineServices } from '../core/engine-services.js';
import { doctorWithRegistry } from '../core/local-registry/doctor-check.js';
import { defaultDataDir } from '../core/paths.js';
import { SettingsStore } from '../core/settings.js';
import { TaskManager } from '../core/tasks.js';
import { printError, printJson, processStreams } from './output.js';
import { renderDoctorReport } from './render/doctor-report.js';

/** True when the report was printed (process.exitCode set); false when nothing was (the usual command then runs). */
export async function answerDoctor(args: readonly string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  const json = args.length === 2 && args[1] === '--json';
  if (args[0] !== 'doctor' || !(args.length === 1 || json)) return false;
  if (env.MULTIARCH_LAB_LEAN === '0') return false;
  const dataDir = defaultDataDir(env);
  const { events, engine } = createEngineServices(env, dataDir);
  try {
    const deps = { engine, env, settings: new SettingsStore(dataDir), tasks: new TaskManager(events) };
    const report = await doctorWithRegistry(deps, () => runDoctor({ engine, env }));
    if (json) printJson(report);
    else processStreams.stdout(renderDoctorReport(report));
    process.exitCode = report.engine ? 0 : printError(unreachableError(report.attempts, report.host.os as NodeJS.Platform), { json });
    dropEarly();
    return true;
  } catch {
    return false;
  } finally {
    await engine.close().catch(() => undefined);
  }
}

/** After a report was printed: an early `buildx ls` it did not take (cli/early-buildx-ls.ts) stops, as withCore stops it. */
function dropEarly(): void {
  dropPrestarted();
  dropEarlyNativeLs();
}
