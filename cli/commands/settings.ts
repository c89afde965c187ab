/**
 * `multiarch-lab settings plain-http [ls] | add REGISTRY | rm REGISTRY`: the registries the app reaches over
 * plain HTTP. `add` is the one action the "answered in plain HTTP" error names.
 */
import type { Command } from 'commander';
import type { PlainHttpDecision, PlainHttpList } from '../../core/contract/plain-http.js';
import { withCore } from '../core-session.js';
import { printJson, processStreams, runAction, type Streams } from '../output.js';

interface JsonFlag {
  json?: boolean;
}

const SOURCE_WORDS: Record<string, string> = {
  settings: 'added in Settings',
  builder: 'builder',
  engine: 'engine (daemon.json)',
  'engine-cidr': 'engine CIDR',
  loopback: 'loopback',
  request: 'this call',
};

export function registerSettingsCommand(program: Command): void {
  const settings = program.command('settings').description('settings shared by the app, the browser UI and the command line');
  const plain = settings
    .command('plain-http')
    .description('registries reached over plain HTTP: loopback, builders\' buildkitd.toml, the engine\'s insecure registries, and yours')
    .option('--json', 'print the list as JSON')
    .action(async (flags: JsonFlag) => {
      await runAction(flags, () => list(flags));
    });
  plain
    .command('ls')
    .description('list them, with where each comes from')
    .option('--json', 'print the list as JSON')
    .action(async (flags: JsonFlag) => {
      await runAction(flags, () => list(flags));
    });
  plain
    .command('add')
    .description('reach this registry over plain HTTP from now on (only for a network you trust)')
    .argument('<registry>', 'host:port, e.g. registry.lan:5000 or 192.168.1.20:5000')
    .option('--json', 'print the decision as JSON')
    .action(async (registry: string, flags: JsonFlag) => {
      await runAction(flags, () => change('plain-http:add', registry, flags));
    });
  plain
    .command('rm')
    .description('take a registry you added off the list (others come from their own source)')
    .argument('<registry>', 'host:port')
    .option('--json', 'print the decision as JSON')
    .action(async (registry: string, flags: JsonFlag) => {
      await runAction(flags, () => change('plain-http:remove', registry, flags));
    });
}

async function list(flags: JsonFlag, streams: Streams = processStreams): Promise<number> {
  const result = await withCore('cli', (core) => core.call('plain-http:list', {}));
  if (flags.json) printJson(result, streams);
  else streams.stdout(renderPlainHttpList(result));
  return 0;
}

async function change(channel: 'plain-http:add' | 'plain-http:remove', registry: string, flags: JsonFlag, streams: Streams = processStreams): Promise<number> {
  const result = await withCore('cli', (core) => core.call(channel, { registry }));
  if (flags.json) printJson(result, streams);
  else streams.stdout(renderDecision(result));
  return 0;
}

export function renderDecision(d: PlainHttpDecision): string {
  return `${d.plainHttp ? 'plain HTTP' : 'HTTPS'}: ${d.reason}.\n`;
}

export function renderPlainHttpList(l: PlainHttpList): string {
  const out = ['Reached over plain HTTP (besides localhost, 127.0.0.0/8 and ::1):'];
  if (!l.registries.length && !l.cidrs.length) out.push('  (none)');
  const width = Math.max(8, ...l.registries.map((e) => e.registry.length), ...l.cidrs.map((c) => c.cidr.length));
  for (const e of l.registries) out.push(`  ${e.registry.padEnd(width)}  ${SOURCE_WORDS[e.source] ?? e.source}${e.source === 'builder' ? ` ${e.detail}` : ''}`);
  for (const c of l.cidrs) out.push(`  ${c.cidr.padEnd(width)}  ${SOURCE_WORDS[c.source]}: any registry whose address is in it`);
  for (const u of l.unread) out.push(`could not read ${SOURCE_WORDS[u.source] ?? u.source}: ${u.message}`);
  out.push('', 'Add one: multiarch-lab settings plain-http add HOST:PORT', '');
  return out.join('\n');
}
