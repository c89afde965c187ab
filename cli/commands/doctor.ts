import type { Command } from 'commander';
import type { AppError, DoctorReport } from '../../core/index.js';
import { withCore } from '../core-session.js';
import { printError, printJson, runAction, processStreams } from '../output.js';
import { renderDoctorReport } from '../render/doctor-report.js';
import { unreachableError } from '../../core/docker/engine.js';

interface DoctorFlags {
  json?: boolean;
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check whether this machine is ready for multi-architecture work: engine, buildx, builders, emulators')
    .option('--json', 'print the report as JSON')
    .action(async (flags: DoctorFlags) => {
      await runAction(flags, () => doctor(flags));
    });
}

async function doctor(flags: DoctorFlags): Promise<number> {
  const report: DoctorReport = await withCore('cli', (core) => core.call('doctor:report', {}));
  if (flags.json) printJson(report);
  else processStreams.stdout(renderDoctorReport(report));
  if (report.engine) return 0;
  // The report says what was tried; the error repeats it on stderr so scripts and people both see why.
  const error: AppError = unreachableError(report.attempts, report.host.os as NodeJS.Platform);
  return printError(error, flags);
}
