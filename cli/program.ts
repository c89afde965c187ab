/**
 * The command tree. Each command group lives in its own file under commands/ and is loaded only when it runs:
 * a command's module pulls in the core (the engine client, every schema), which `--help`, `--version` and every
 * other command must not pay for (issue 15). Adding a command is one row in COMMANDS.
 */
import { Command, CommanderError, type Help } from 'commander';
import { appVersion } from '../core/version.js';

type Register = (program: Command) => void;

interface LazyCommand {
  name: string;
  /** How the top-level help names it: the command with its options and arguments, as commander would print it. */
  term: string;
  description: string;
  load: () => Promise<Register>;
}

/**
 * Name, help line and loader of each top-level command. The help lines repeat what each module registers;
 * test/unit/cli/program.test.ts checks the top-level help printed from this table against the one printed with
 * every module loaded, so they cannot drift apart.
 */
export const COMMANDS: readonly LazyCommand[] = [
  {
    name: 'doctor',
    term: 'doctor [options]',
    description: 'check whether this machine is ready for multi-architecture work: engine, buildx, builders, emulators',
    load: async () => (await import('./commands/doctor.js')).registerDoctorCommand,
  },
  { name: 'serve', term: 'serve [options]', description: 'serve the app to a browser on this machine (browser mode)', load: async () => (await import('./commands/serve.js')).registerServeCommand },
  {
    name: 'run',
    term: 'run [options] [ref] [command...]',
    description: 'run every platform variant of an image and check what each prints (exits 1 when any platform fails)',
    load: async () => (await import('./commands/run.js')).registerRunCommand,
  },
  {
    name: 'builder',
    term: 'builder',
    description: 'buildx builders and emulators: create, list, use, remove, append native nodes',
    load: async () => (await import('./commands/builder.js')).registerBuilderCommand,
  },
  { name: 'registry', term: 'registry', description: 'the local registry: up, status, stop, start, down, gc', load: async () => (await import('./commands/registry.js')).registerRegistryCommand },
  {
    name: 'ls',
    term: 'ls [options] [target]',
    description: 'list the repositories of a registry, or the tags of a repository (default: the local registry)',
    load: async () => (await import('./commands/ls.js')).registerLsCommand,
  },
  {
    name: 'inspect',
    term: 'inspect [options] <reference>',
    description: 'show an image in a registry as a tree: index → platforms → config and layers',
    load: async () => (await import('./commands/inspect.js')).registerInspectCommand,
  },
  {
    name: 'init',
    term: 'init [options] [dir]',
    description: 'write the sample project: a Dockerfile whose script prints `uname -m` on every platform',
    load: async () => (await import('./commands/init.js')).registerInitCommand,
  },
  {
    name: 'build',
    term: 'build [options] <dir>',
    description: 'build a folder with a Dockerfile for several platforms and push one multi-platform image',
    load: async () => (await import('./commands/build.js')).registerBuildCommand,
  },
  {
    name: 'verify',
    term: 'verify [options] <reference>',
    description: 'check every platform of an image from its own files, without running it (exit 0: all ok, 2: some not ok, 1: error)',
    load: async () => (await import('./commands/verify.js')).registerVerifyCommand,
  },
  {
    name: 'check',
    term: 'check [options] <dir>',
    description: 'check a Dockerfile for building several platforms: base images, fixed architectures, steps that would run emulated',
    load: async () => (await import('./commands/check.js')).registerCheckCommand,
  },
];

function baseProgram(): Command {
  return (
    new Command()
      .name('multiarch-lab')
      .description('Build and run multi-architecture container images on your own Docker.')
      .version(appVersion(), '-V, --version', 'print the version')
      .showHelpAfterError('(run multiarch-lab --help to see the commands)')
      // Set before the commands are added so they inherit it: commander then throws instead of exiting.
      .exitOverride()
  );
}

/** The command the arguments name (`help X` names X), if it is one of ours. */
export function requestedCommand(args: readonly string[]): LazyCommand | undefined {
  const i = args.findIndex((a) => !a.startsWith('-'));
  if (i < 0) return undefined;
  const name = args[i] === 'help' ? args[i + 1] : args[i];
  return COMMANDS.find((c) => c.name === name);
}

/**
 * The program for these arguments: the named command fully loaded; otherwise (help, version, a typo) every
 * command as a light entry that only carries its help line.
 */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = baseProgram();
  const wanted = requestedCommand(argv.slice(2));
  if (wanted) {
    (await wanted.load())(program);
    return program;
  }
  const terms = new Map<string, string>();
  for (const c of COMMANDS) {
    program.command(c.name).description(c.description);
    terms.set(c.name, c.term);
  }
  program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd.name()) ?? defaultTerm(cmd) });
  return program;
}

/** The top-level help with every command module loaded: what the light entries must reproduce. */
export async function buildFullProgram(): Promise<Command> {
  const program = baseProgram();
  for (const c of COMMANDS) (await c.load())(program);
  return program;
}

function defaultTerm(cmd: Command): string {
  return (cmd.createHelp() as Help).subcommandTerm(cmd);
}

export async function main(argv: string[]): Promise<void> {
  const program = await buildProgram(argv);
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
