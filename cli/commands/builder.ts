/**
 * `multiarch-lab builder …`: buildx builders and emulators over the core's `builder:*` channels.
 * Results go to stdout (text or --json); progress of long steps goes to stderr, so --json output stays clean.
 */
import type { Command } from 'commander';
import type { BuilderDriverName, DefaultDriverExplanation, EmulatorReport } from '../../core/contract/builder.js';
import { AppError } from '../../core/contract/errors.js';
import { formatCommand } from '../../core/docker/exec.js';
import { withCore } from '../core-session.js';
import { callWithProgress } from '../task-printer.js';
import { printJson, processStreams, runAction } from '../output.js';
import { renderBuilder, renderList } from '../render/builder-list.js';

export { renderBuilder, renderList };

interface JsonFlag {
  json?: boolean;
}

interface CreateFlags extends JsonFlag {
  name?: string;
  driver?: string;
  driverOpt: string[];
  insecureRegistry: string[];
  platform: string[];
  use: boolean;
  bootstrap: boolean;
}

interface AppendFlags extends JsonFlag {
  node?: string;
  platform: string[];
}

interface EmulatorFlags extends JsonFlag {
  install?: boolean;
  all?: boolean;
  platform: string[];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `K=V` pairs into an object; the contract then checks the characters. */
export function parseDriverOpts(pairs: readonly string[]): Record<string, string> | undefined {
  if (pairs.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new AppError('invalid-input', `--driver-opt ${JSON.stringify(pair)} is not KEY=VALUE.`, { hint: 'For example: --driver-opt network=host' });
    }
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** Platforms may be given as repeated flags or comma lists, as buildx accepts them. */
function splitPlatforms(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

export function renderEmulators(r: EmulatorReport): string {
  const width = Math.max(...r.platforms.map((p) => p.platform.length));
  const lines = r.platforms.map((p) => `${p.platform.padEnd(width)}  ${p.support.padEnd(11)}  ${p.via ?? ''}`.trimEnd());
  lines.push('', `Engine CPU: ${r.engineArch}; emulation facts from ${r.source === 'binfmt_misc' ? "the engine's binfmt_misc handlers" : r.source === 'builder' ? 'the current builder' : 'nowhere'}.`);
  if (r.missing.length) lines.push(`Missing: ${r.missing.join(', ')}. Install them with: multiarch-lab builder emulators --install`);
  return `${lines.join('\n')}\n`;
}

export function renderDefaultDriver(e: DefaultDriverExplanation): string {
  const head = `Default builder: docker driver on Docker ${e.engineVersion}; image store: ${e.containerdImageStore ? `containerd (${e.driverType})` : `${e.storageDriver ?? 'graph driver'} (classic)`}; multi-platform builds: ${e.multiPlatform ? 'yes' : 'no'}.`;
  const parts = [head, '', ...e.explanation.flatMap((p) => [p, ''])];
  if (e.suggestion) parts.push(`${e.suggestion.title}: ${e.suggestion.text}`, `  $ ${formatCommand(e.suggestion.command)}`, '');
  return parts.join('\n');
}

export function registerBuilderCommand(program: Command): void {
  const builder = program.command('builder').description('buildx builders and emulators: create, list, use, remove, append native nodes');

  builder
    .command('ls')
    .description('list builders with their nodes, platforms and driver options')
    .option('--json', 'print JSON')
    .action(async (flags: JsonFlag) => {
      await runAction(flags, async () => {
        const list = await withCore('cli', (core) => core.call('builder:list', {}));
        if (flags.json) printJson(list);
        else processStreams.stdout(renderList(list));
      });
    });

  builder
    .command('inspect')
    .description('show one builder')
    .argument('<name>', 'builder name')
    .option('--json', 'print JSON')
    .action(async (name: string, flags: JsonFlag) => {
      await runAction(flags, async () => {
        const info = await withCore('cli', (core) => core.call('builder:inspect', { name }));
        if (flags.json) printJson(info);
        else processStreams.stdout(renderBuilder(info));
      });
    });

  builder
    .command('create')
    .description('create a builder (default: "mybuilder", docker-container driver on the host network, made current, started)')
    .option('--name <name>', 'builder name (default: the one in settings, mybuilder)')
    .option('--driver <driver>', 'docker-container, kubernetes or remote', 'docker-container')
    .option('--driver-opt <key=value>', 'driver option, repeatable (default for docker-container: network=host)', collect, [])
    .option('--insecure-registry <host:port>', 'registry to reach over plain HTTP (written into a buildkitd.toml), repeatable', collect, [])
    .option('--platform <platform>', 'pin a platform on the node, repeatable or comma-separated', collect, [])
    .option('--no-use', 'do not make it the current builder')
    .option('--no-bootstrap', 'do not start it now (it starts on its first build)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: CreateFlags) => {
      await runAction(flags, async () => {
        const driverOpts = parseDriverOpts(flags.driverOpt);
        const platforms = splitPlatforms(flags.platform);
        const result = await withCore('cli', async (core) => {
          const input = {
            ...(flags.name ? { name: flags.name } : {}),
            driver: flags.driver as BuilderDriverName,
            ...(driverOpts ? { driverOpts } : {}),
            ...(flags.insecureRegistry.length ? { insecureRegistries: flags.insecureRegistry } : {}),
            ...(platforms.length ? { platforms } : {}),
            use: flags.use,
            bootstrap: flags.bootstrap,
          };
          // progress goes to stderr even with --json, so stdout stays the result alone
          return callWithProgress(core, 'builder:create', input, { write: processStreams.stderr });
        });
        if (flags.json) printJson(result);
        else {
          processStreams.stdout(renderBuilder(result.builder));
          if (!result.bootstrapped) processStreams.stdout(`Not started yet: it starts on its first build, or now with docker buildx inspect --bootstrap ${result.builder.name}\n`);
        }
      });
    });

  builder
    .command('use')
    .description('make a builder the current one')
    .argument('<name>', 'builder name')
    .option('--json', 'print JSON')
    .action(async (name: string, flags: JsonFlag) => {
      await runAction(flags, async () => {
        const r = await withCore('cli', (core) => core.call('builder:use', { name }));
        if (flags.json) printJson(r);
        else processStreams.stdout(`"${r.current}" is now the current builder.\n`);
      });
    });

  builder
    .command('rm')
    .description('remove a builder with its BuildKit container and state volume')
    .argument('<name>', 'builder name')
    .option('--keep-state', 'keep the state volume (its build cache)')
    .option('--json', 'print JSON')
    .action(async (name: string, flags: JsonFlag & { keepState?: boolean }) => {
      await runAction(flags, async () => {
        const r = await withCore('cli', (core) => core.call('builder:remove', { name, keepState: Boolean(flags.keepState) }));
        if (flags.json) printJson(r);
        else processStreams.stdout(`Removed "${r.name}"${r.keptVolumes.length ? `; kept ${r.keptVolumes.join(', ')}` : '; no container or state volume left behind'}.\n`);
      });
    });

  builder
    .command('append')
    .description('add a node on another engine (ssh://user@host, tcp://host:port or a docker context) to build its platforms natively')
    .argument('<name>', 'builder name')
    .argument('<endpoint>', 'ssh://user@host, tcp://host:port, unix:///path, or a docker context name')
    .option('--node <name>', 'node name')
    .option('--platform <platform>', 'platform this node builds, repeatable or comma-separated', collect, [])
    .option('--json', 'print JSON')
    .action(async (name: string, endpoint: string, flags: AppendFlags) => {
      await runAction(flags, async () => {
        const platforms = splitPlatforms(flags.platform);
        const r = await withCore('cli', (core) =>
          core.call('builder:append-node', { name, endpoint, ...(flags.node ? { nodeName: flags.node } : {}), ...(platforms.length ? { platforms } : {}) }),
        );
        if (flags.json) printJson(r);
        else processStreams.stdout(`Added node "${r.node}".\n${renderBuilder(r.builder)}`);
      });
    });

  builder
    .command('emulators')
    .description('which platforms run natively, emulated (and by which handler) or not at all; --install adds the missing ones')
    .option('--install', 'install emulators with the pinned tonistiigi/binfmt image (the missing ones, or those named with --platform)')
    .option('--platform <platform>', 'with --install: a platform to install, repeatable or comma-separated', collect, [])
    .option('--all', 'with --install: every emulator the image has')
    .option('--json', 'print JSON')
    .action(async (flags: EmulatorFlags) => {
      await runAction(flags, async () => {
        if (!flags.install) {
          const report = await withCore('cli', (core) => core.call('builder:emulators', {}));
          if (flags.json) printJson(report);
          else processStreams.stdout(renderEmulators(report));
          return;
        }
        const platforms = splitPlatforms(flags.platform);
        const r = await withCore('cli', async (core) => {
          const input = flags.all ? { platforms: 'all' as const } : platforms.length ? { platforms } : {};
          return callWithProgress(core, 'builder:install-emulators', input, { write: processStreams.stderr });
        });
        if (flags.json) printJson(r);
        else processStreams.stdout(`${r.installed.length ? `Installed: ${r.installed.join(', ')}` : 'Nothing to install.'}\n${renderEmulators(r.report)}`);
      });
    });

  builder
    .command('default')
    .description('explain the default builder (docker driver) and whether it can build multi-platform images here')
    .option('--json', 'print JSON')
    .action(async (flags: JsonFlag) => {
      await runAction(flags, async () => {
        const e = await withCore('cli', (core) => core.call('builder:default-driver', {}));
        if (flags.json) printJson(e);
        else processStreams.stdout(renderDefaultDriver(e));
      });
    });
}
