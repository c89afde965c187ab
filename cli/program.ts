/**
 * The command tree. Each command group lives in its own file under commands/ and registers itself here,
 * so adding `registry`, `builder`, `build`, `run`, `inspect`, `ls` or `init` is one import and one call.
 */
import { Command, CommanderError } from 'commander';
import { appVersion } from '../core/index.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerServeCommand } from './commands/serve.js';
import { registerRunCommand } from './commands/run.js';
import { registerBuilderCommand } from './commands/builder.js';
import { registerRegistryCommand } from './commands/registry.js';
import { registerLsCommand } from './commands/ls.js';
import { registerInspectCommand } from './commands/inspect.js';
import { registerInitCommand } from './commands/init.js';
import { registerBuildCommand } from './commands/build.js';
import { registerSettingsCommand } from './commands/settings.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('multiarch-lab')
    .description('Build and run multi-architecture container images on your own Docker.')
    .version(appVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run multiarch-lab --help to see the commands)')
    // Set before the commands are added so they inherit it: commander then throws instead of exiting.
    .exitOverride();
  registerDoctorCommand(program);
  registerServeCommand(program);
  registerRunCommand(program);
  registerBuilderCommand(program);
  registerRegistryCommand(program);
  registerLsCommand(program);
  registerInspectCommand(program);
  registerInitCommand(program);
  registerBuildCommand(program);
  registerSettingsCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its message (unknown option, --help, --version).
      process.exitCode = error.exitCode;
      return;
    }
    throw error;
  }
}
