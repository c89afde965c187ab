/** The docker commands behind the Builder view's forms, shown (and copyable) before anything runs. */

export interface CreateDraft {
  name: string;
  hostNetwork: boolean;
  insecure: string;
  use: boolean;
  bootstrap: boolean;
}

/** "a:5000, b:5000\nc" -> ['a:5000', 'b:5000', 'c']: people paste lists every which way. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** What buildx is asked, as the user would type it (the buildkitd config, when there is one, is written by the app). */
export function createCommands(d: CreateDraft): string[][] {
  const name = d.name.trim() || 'mybuilder';
  const create = ['docker', 'buildx', 'create', '--name', name, '--driver', 'docker-container'];
  if (d.hostNetwork) create.push('--driver-opt', 'network=host');
  if (d.use) create.push('--use');
  const out = [create];
  if (d.bootstrap) out.push(['docker', 'buildx', 'inspect', '--bootstrap', name]);
  return out;
}

export interface AppendDraft {
  builder: string;
  endpoint: string;
  node: string;
  platforms: string;
}

export function appendCommand(d: AppendDraft): string[] {
  const platforms = splitList(d.platforms);
  return [
    'docker',
    'buildx',
    'create',
    '--append',
    '--name',
    d.builder || 'mybuilder',
    ...(d.node.trim() ? ['--node', d.node.trim()] : []),
    ...(platforms.length ? ['--platform', platforms.join(',')] : []),
    d.endpoint.trim() || 'ssh://user@host',
  ];
}
