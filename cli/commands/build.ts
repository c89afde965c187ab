/**
 * `multiarch-lab build DIR --platform P1,P2 --tag REF [--old-school] [--builder NAME] [--no-cache] [--json]`:
 * builds and pushes one multi-platform image. Progress goes to stderr a line per finished step; the pushed
 * reference, digest and platforms to stdout. A failure exits 1 and names the Dockerfile line.
 */
import { cancelOnInterrupt } from '../interrupt.js';
import { InvalidArgumentError, type Command } from 'commander';
import type { BuildFailureDetails, BuildProgressEvent, BuildResult, PlatformProgress } from '../../core/contract/build.js';
import { AppError, serializeError } from '../../core/contract/errors.js';
import { dockerHubWarning } from '../../core/contract/input-words.js';
import { formatCommand } from '../../core/docker/exec.js';
import type { Core, TaskSnapshot } from '../../core/index.js';
import { callWithProgress } from '../task-printer.js';
import { withSweptCore } from '../core-session.js';
import { printError, printJson, processStreams, runAction, type Streams } from '../output.js';

interface BuildFlags {
  platform?: string[];
  tag?: string;
  oldSchool?: boolean;
  builder?: string;
  /** commander's negated --no-cache: false when given */
  cache?: boolean;
  file?: string;
  buildArg?: Record<string, string>;
  label?: Record<string, string>;
  cacheRef?: string;
  json?: boolean;
}

export function registerBuildCommand(program: Command): void {
  program
    .command('build')
    .description('build a folder with a Dockerfile for several platforms and push one multi-platform image')
    .argument('<dir>', 'the build context: a folder with a Dockerfile (multiarch-lab init writes one)')
    .requiredOption('--platform <list>', 'platforms, comma-separated, e.g. linux/amd64,linux/arm64,linux/arm/v7', parseList)
    .requiredOption('--tag <ref>', 'where to push, e.g. localhost:5000/hello:1')
    .option('--old-school', 'one build and push per platform, then join them into a manifest list')
    .option('--builder <name>', 'the buildx builder to use (default: the engine\'s own with the containerd store, else the host-networked one)')
    .option('--no-cache', 'build every step again')
    .option('-f, --file <path>', 'the Dockerfile, relative to DIR (default DIR/Dockerfile)')
    .option('--build-arg <key=value>', 'a build argument (repeatable)', parsePair, {})
    .option('--label <key=value>', 'an image label (repeatable)', parsePair, {})
    .option('--cache-ref <ref>', 'keep the build cache in a registry under this tag, e.g. localhost:5000/hello:buildcache (a docker-container builder; old-school keeps one per platform, REF-<arch>)')
    .option('--json', 'print the result (or the error) as JSON')
    .action(async (dir: string, flags: BuildFlags) => {
      await runAction(flags, () => build(dir, flags));
    });
}

function parseList(value: string, previous?: string[]): string[] {
  const items = value.split(',').map((p) => p.trim()).filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError('Give one or more platforms, e.g. linux/amd64,linux/arm64.');
  return [...(previous ?? []), ...items];
}

function parsePair(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('Write it as key=value.');
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

async function build(dir: string, flags: BuildFlags, streams: Streams = processStreams): Promise<number> {
  // said before anything runs: a tag with no registry in front is pushed to Docker Hub
  const hub = dockerHubWarning(flags.tag ?? '');
  if (hub) streams.stderr(`warning: ${hub}\n`);
  return withSweptCore('cli', async (core) => {
    const controller = new AbortController();
    // Ctrl-C cancels the build (the buildx process is ended); the app then exits on its own.
    const stopInterrupt = cancelOnInterrupt(controller);
    const follow = flags.json ? undefined : followBuild(core, streams);
    const stop = () => follow?.stop();
    try {
      const result = await callWithProgress(
        core,
        'build:run',
        {
          context: dir,
          platforms: flags.platform ?? [],
          tag: flags.tag ?? '',
          mode: flags.oldSchool ? 'old-school' : 'modern',
          ...(flags.builder ? { builder: flags.builder } : {}),
          ...(flags.cache === false ? { noCache: true } : {}),
          ...(flags.file ? { dockerfile: flags.file } : {}),
          ...(flags.buildArg && Object.keys(flags.buildArg).length ? { buildArgs: flags.buildArg } : {}),
          ...(flags.label && Object.keys(flags.label).length ? { labels: flags.label } : {}),
          ...(flags.cacheRef ? { cacheRef: flags.cacheRef } : {}),
        },
        { write: flags.json ? null : streams.stderr, signal: controller.signal, ...(follow ? { onTask: follow.adopt } : {}) },
      );
      stop();
      if (flags.json) printJson(result, streams);
      else streams.stdout(renderBuildResult(result));
      return 0;
    } catch (error) {
      stop();
      if (!flags.json) streams.stderr(renderFailure(error));
      return printError(error, flags, streams);
    } finally {
      stop();
      stopInterrupt();
    }
  });
}

/**
 * One stderr line per step that finished, per platform, and the app's own notes (builder, warnings), for
 * the build task of this call only (adopted by the call id the core stamps on it).
 */
function followBuild(core: Core, streams: Streams): { adopt: (task: TaskSnapshot) => void; stop: () => void } {
  const said = new Map<string, string>();
  let taskId: string | undefined;
  const offProgress = core.events.on('build:progress', (event: BuildProgressEvent) => {
    if (event.taskId !== taskId) return;
    for (const line of progressLines(event.platforms, said)) streams.stderr(`${line}\n`);
  });
  const offLog = core.events.on('build:log', (event) => {
    if (event.taskId !== taskId) return;
    for (const l of event.lines) if (l.stream === 0) streams.stderr(`${l.text}\n`);
  });
  let stopped = false;
  return {
    adopt: (task) => {
      taskId ??= task.id;
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      offProgress();
      offLog();
    },
  };
}

/** Lines for steps whose state is new since the last call; `said` remembers what was printed. */
export function progressLines(platforms: PlatformProgress[], said: Map<string, string>): string[] {
  const lines: string[] = [];
  const width = Math.max(...platforms.map((p) => p.platform.length), 8);
  for (const p of platforms) {
    for (const s of p.steps) {
      if (s.state === 'waiting') continue;
      const key = `${p.platform}\u0000${s.stage ?? ''}\u0000${s.index ?? s.name}`;
      if (said.get(key) === s.state) continue;
      // "running" is said once; finished states replace it
      if (s.state === 'running' && said.has(key)) continue;
      said.set(key, s.state);
      const count = s.index !== undefined && s.total !== undefined ? `[${s.index}/${s.total}] ` : '';
      const took = s.startedAt !== undefined && s.endedAt !== undefined && s.state !== 'cached' ? ` ${seconds(s.endedAt - s.startedAt)}` : '';
      lines.push(`${p.platform.padEnd(width)}  ${count}${shorten(s.name, 70)}  ${s.state === 'running' ? '…' : s.state}${took}`);
    }
  }
  return lines;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** How the build ran, in one line. */
function wayOf(r: BuildResult): string {
  if (r.mode === 'old-school') return 'old-school: one build and push per platform, joined into a list';
  if (r.cache?.split) return `modern, split per node: one buildx build per node (${r.cache.split.length}), each with its own cache, joined into one list`;
  return 'modern: one buildx build for every platform';
}

export function renderBuildResult(r: BuildResult): string {
  const out: string[] = [];
  if (r.afterPush) {
    // The push landed: say what is in the registry, then the one step that did not finish.
    out.push(`Pushed ${r.pushed.join(', ')}`);
    out.push(`but "${r.afterPush.title}" failed: ${r.afterPush.error.message}`);
    if (r.afterPush.error.hint) out.push(`hint: ${r.afterPush.error.hint}`);
  } else out.push(`Pushed ${r.reference}`);
  if (r.plainHttpNote) out.push(`  note       ${r.plainHttpNote}`);
  if (r.digest) out.push(`  digest     ${r.digest}`);
  if (r.platforms.length) out.push(`  platforms  ${r.platforms.join(', ')}`);
  out.push(`  way        ${wayOf(r)} (builder ${r.builder})`);
  out.push(`  took       ${seconds(r.durations.totalMs)}${r.durations.joinMs !== undefined ? ` (builds and pushes ${seconds(r.durations.buildMs)}, joining ${seconds(r.durations.joinMs)})` : ''}`);
  for (const w of r.warnings) out.push(`warning: ${w.message}`);
  if (r.cache) {
    if (!r.cache.used) out.push(`warning: no registry cache: ${r.cache.reason ?? 'the builder cannot keep one'}`);
    else if (r.cache.split) {
      out.push(`  cache      one ref per platform, read before and written after by its node's build:`);
      for (const n of r.cache.split) {
        const ran = n.node !== n.plannedNode ? ` (planned for ${n.plannedNode})` : n.confirmed ? '' : ' (as planned; buildx did not say)';
        out.push(`    ${n.platforms.join(', ')} on node ${n.node}${ran}: ${n.refs.join(', ')}${n.pushed ? `, pushed ${n.pushed}` : ''}`);
      }
      if (r.cache.reason) out.push(`note: split because ${r.cache.reason}`);
    } else {
      out.push(`  cache      ${(r.cache.refs ?? [r.cache.ref]).join(', ')} (read before, written after)`);
      if (r.cache.reason) out.push(`note: ${r.cache.reason}`);
    }
  }
  if (r.timing.platforms.length) {
    out.push('', 'Where the time went (native: the node runs the platform itself; emulated: through QEMU):');
    for (const p of r.timing.platforms) out.push(`  ${p.summary}`);
  }
  out.push('', 'Timeline (time each step took; "cached" cost nothing):');
  const width = Math.max(...r.timeline.map((p) => p.platform.length), 8);
  for (const p of r.timeline) {
    const total = p.startedAt !== undefined && p.endedAt !== undefined ? seconds(p.endedAt - p.startedAt) : '-';
    const steps = p.steps.map((s) => `${firstWord(s.name)} ${s.state === 'cached' ? 'cached' : s.startedAt !== undefined && s.endedAt !== undefined ? seconds(s.endedAt - s.startedAt) : s.state}`);
    out.push(`  ${p.platform.padEnd(width)}  ${total.padStart(7)}  ${steps.join(' | ')}`);
  }
  out.push('', 'The same with docker:');
  for (const c of r.commands) out.push(`  ${formatCommand(c)}`);
  out.push('', `Run one platform: ${formatCommand(['docker', 'run', '--rm', '--platform', r.platforms[r.platforms.length > 1 ? 1 : 0] ?? 'linux/amd64', r.reference])}`, '');
  return out.join('\n');
}

/** `RUN chmod +x /hello.sh` → RUN; `docker push …` → push. */
function firstWord(name: string): string {
  if (name.startsWith('docker push ')) return 'push';
  return name.split(/\s+/)[0] ?? name;
}

/** What printError does not say: the Dockerfile excerpt and the failing step's last lines. */
export function renderFailure(error: unknown): string {
  const e = serializeError(error);
  if (!(error instanceof AppError) || !e.details || typeof e.details !== 'object') return '';
  const d = e.details as BuildFailureDetails;
  const out: string[] = [];
  if (d.dockerfileError?.context?.length) {
    out.push(`${d.dockerfileError.file ?? 'Dockerfile'}:${d.dockerfileError.line}`, ...d.dockerfileError.context.map((l) => `  ${l}`));
  }
  const stepLines = (d.logTail ?? []).filter((l) => l.stream !== 0 && (!d.platform || l.platform === d.platform) && (!d.step || l.step === d.step));
  if (stepLines.length) {
    out.push(`${d.platform ?? ''} ${d.step ?? ''} printed:`.trim(), ...stepLines.slice(-10).map((l) => `  ${l.text}`));
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
