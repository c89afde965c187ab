/**
 * The program a container would start, found the way the engine finds it: Entrypoint + Cmd joined, a
 * name without "/" looked up in the image's own PATH (or the engine's default PATH when the image sets
 * none), a relative path taken from the working directory, symlinks followed inside the image; then what
 * the kernel does with that file: an ELF for the right machine, its loader, or a #! interpreter in turn.
 */
import type { CheckedFile, EntrypointResolution, ExecContent, VerifyFinding } from '../contract/verify.js';
import { describeMachine, machineMismatch, platformOfElf, type ExpectedMachine } from './elf.js';
import type { FsEntry, LayerFs } from './layer-fs.js';

/** The PATH the engine sets when the image's Env has none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Linux follows at most this many #! interpreters in a row (BINPRM_MAX_RECURSION). */
const MAX_INTERPRETER_DEPTH = 4;

export interface ImageRunConfig {
  entrypoint: string[] | null;
  cmd: string[] | null;
  env: string[];
  workingDir?: string | undefined;
}

/** Entrypoint followed by Cmd, as the engine joins them when `docker run IMAGE` is given no command. */
export function commandOf(config: ImageRunConfig): string[] {
  return [...(config.entrypoint ?? []), ...(config.cmd ?? [])];
}

export function pathOf(env: readonly string[]): string {
  const entry = env.find((e) => e.startsWith('PATH='));
  return entry ? entry.slice(5) : DEFAULT_PATH;
}

function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

function isExecutable(entry: FsEntry): boolean {
  return (entry.mode & 0o111) !== 0;
}

export interface ProgramLookup {
  searched: string[];
  found?: { path: string; resolvedPath: string; entry: FsEntry };
  /** Why nothing usable was found. */
  problem?: 'missing' | 'directory' | 'not-executable' | 'loop';
  /** The closest thing found (a directory or a file without exec bits), for the message. */
  near?: string;
}

/** Finds argv[0] in the image like exec.LookPath inside the container. */
export function findProgram(fs: LayerFs, name: string, config: Pick<ImageRunConfig, 'env' | 'workingDir'>): ProgramLookup {
  const cwd = config.workingDir || '/';
  const candidates = name.includes('/') ? [name.startsWith('/') ? name : joinPath(cwd, name)] : pathOf(config.env).split(':').map((d) => joinPath(d === '' ? cwd : d.startsWith('/') ? d : joinPath(cwd, d), name));
  const lookup: ProgramLookup = { searched: candidates };
  for (const candidate of candidates) {
    const r = fs.resolve(candidate);
    if (r.error && /levels of symbolic links/.test(r.error)) {
      lookup.problem ??= 'loop';
      lookup.near ??= candidate;
      continue;
    }
    if (!r.entry) continue;
    if (r.entry.kind === 'dir') {
      lookup.problem ??= 'directory';
      lookup.near ??= candidate;
      continue;
    }
    if (!isExecutable(r.entry)) {
      lookup.problem ??= 'not-executable';
      lookup.near ??= candidate;
      // a name given with a "/" is exec'd as is: the kernel answers "permission denied"
      if (name.includes('/')) return lookup;
      continue;
    }
    return { searched: candidates, found: { path: candidate, resolvedPath: r.path, entry: r.entry } };
  }
  lookup.problem ??= 'missing';
  return lookup;
}

export function summarizeContent(content: ExecContent | undefined): string {
  if (!content) return 'not read';
  switch (content.kind) {
    case 'elf': {
      const e = content.elf;
      const link = e.linking === 'dynamic' ? `dynamic, loader ${e.interpreter ?? '(unreadable)'}` : e.linking === 'static-pie' ? 'static-pie' : 'static';
      return `ELF ${e.bits}-bit ${e.endian === 'little' ? 'LSB' : 'MSB'} ${describeMachine(e)}, ${link}`;
    }
    case 'script':
      return `script, #!${content.interpreter}${content.argument ? ` ${content.argument}` : ''}${content.crlf ? ' (ends in CR)' : ''}`;
    case 'empty':
      return 'empty file';
    default:
      return `not a program (starts with ${content.magic || 'nothing'})`;
  }
}

export function checkedFile(path: string, entry: FsEntry, resolvedPath: string, ok: boolean): CheckedFile {
  const out: CheckedFile = { path, size: entry.size, content: entry.content ?? { kind: 'other', magic: '' }, summary: summarizeContent(entry.content), ok };
  if (resolvedPath !== path) out.resolvedPath = resolvedPath;
  return out;
}

export interface EntrypointAnalysis {
  resolution: EntrypointResolution;
  findings: VerifyFinding[];
}

/**
 * Resolves Entrypoint + Cmd and follows what the kernel would execute. `expected` is undefined for a
 * platform we have no machine rule for (then machines are reported, not judged).
 */
export function analyzeEntrypoint(fs: LayerFs, config: ImageRunConfig, platform: string, expected: ExpectedMachine | undefined): EntrypointAnalysis {
  const argv = commandOf(config);
  const resolution: EntrypointResolution = { argv, searched: [], chain: [] };
  const findings: VerifyFinding[] = [];
  if (argv.length === 0 || !argv[0]) {
    findings.push({
      kind: 'will-not-start',
      message: 'The image sets neither ENTRYPOINT nor CMD: `docker run IMAGE` fails with "no command specified".',
      fix: 'Add a CMD (or ENTRYPOINT) naming the program to run, or always pass a command to docker run.',
    });
    return { resolution, findings };
  }
  const name = argv[0];
  const lookup = findProgram(fs, name, config);
  resolution.searched = lookup.searched;
  if (!lookup.found) {
    const where = name.includes('/') ? lookup.searched[0]! : `any PATH directory (${pathOf(config.env)})`;
    const message =
      lookup.problem === 'not-executable'
        ? `The entrypoint ${lookup.near} is not executable (no x bit): the kernel answers "permission denied".`
        : lookup.problem === 'directory'
          ? `The entrypoint ${lookup.near} is a directory, not a program.`
          : lookup.problem === 'loop'
            ? `The entrypoint ${lookup.near} is a loop of symbolic links.`
            : `The entrypoint "${name}" is not in the image: no file at ${where}.`;
    const fix =
      lookup.problem === 'not-executable'
        ? `Make it executable in the Dockerfile (COPY --chmod=755, or RUN chmod +x ${lookup.near}).`
        : `Copy the program into the image at that path, or change ENTRYPOINT/CMD to a path that exists in this platform's image.`;
    findings.push({ kind: 'will-not-start', path: lookup.near ?? (name.includes('/') ? lookup.searched[0]! : name), message, fix });
    return { resolution, findings };
  }
  resolution.path = lookup.found.path;
  resolution.resolvedPath = lookup.found.resolvedPath;
  followProgram(fs, lookup.found.path, lookup.found.resolvedPath, lookup.found.entry, config, platform, expected, resolution, findings, 0);
  return { resolution, findings };
}

function followProgram(
  fs: LayerFs,
  path: string,
  resolvedPath: string,
  entry: FsEntry,
  config: ImageRunConfig,
  platform: string,
  expected: ExpectedMachine | undefined,
  resolution: EntrypointResolution,
  findings: VerifyFinding[],
  depth: number,
): void {
  const content = entry.content;
  const shown = resolvedPath !== path ? `${path} (→ ${resolvedPath})` : path;
  if (!content) {
    resolution.chain.push(checkedFile(path, entry, resolvedPath, false));
    findings.push({ kind: 'unknown', path, message: `The start of ${shown} was not read, so what the kernel would do with it is not known.` });
    return;
  }
  if (content.kind === 'elf') {
    const elf = content.elf;
    const wrong = expected ? machineMismatch(elf, expected) : undefined;
    resolution.chain.push(checkedFile(path, entry, resolvedPath, !wrong));
    if (wrong) {
      const builtFor = platformOfElf(elf);
      findings.push({
        kind: 'mismatch',
        path,
        machine: describeMachine(elf),
        expected: platform,
        message: `${shown} is ${wrong}, but this entry is ${platform}${depth === 0 ? ' and it is the entrypoint' : ''}.`,
        fix: `Build ${path} for ${platform} (cross-compile with the target's GOARCH/--target, or build it in a stage FROM --platform=$TARGETPLATFORM)${builtFor ? `, or list this image under ${builtFor} instead` : ''}.`,
      });
    }
    if (elf.linking === 'dynamic') {
      if (!elf.interpreter) {
        findings.push({ kind: 'unknown', path, message: `${shown} is dynamically linked, but its loader path could not be read.` });
        return;
      }
      const loader = fs.resolve(elf.interpreter);
      if (!loader.entry || loader.entry.kind === 'dir') {
        findings.push({
          kind: 'will-not-start',
          path: elf.interpreter,
          message: `${shown} is dynamically linked and needs the loader ${elf.interpreter}, which is not in the image: the kernel answers "no such file or directory" (for a file that is there).`,
          fix: `Use a base image with the C library ${path} was linked against, or build ${path} statically (e.g. CGO_ENABLED=0, or -static).`,
        });
        return;
      }
      const loaderContent = loader.entry.content;
      if (loaderContent?.kind === 'elf' && expected) {
        const loaderWrong = machineMismatch(loaderContent.elf, expected);
        resolution.chain.push(checkedFile(elf.interpreter, loader.entry, loader.path, !loaderWrong));
        if (loaderWrong) {
          findings.push({
            kind: 'mismatch',
            path: elf.interpreter,
            machine: describeMachine(loaderContent.elf),
            expected: platform,
            message: `The loader ${elf.interpreter} is ${loaderWrong}, but this entry is ${platform}.`,
            fix: `Take the C library from a ${platform} base image (FROM --platform=$TARGETPLATFORM).`,
          });
        }
      } else {
        resolution.chain.push(checkedFile(elf.interpreter, loader.entry, loader.path, true));
      }
    }
    return;
  }
  if (content.kind === 'script') {
    resolution.chain.push(checkedFile(path, entry, resolvedPath, true));
    if (depth >= MAX_INTERPRETER_DEPTH) {
      findings.push({ kind: 'will-not-start', path, message: `${shown} is one #! script too many in a row: Linux follows at most ${MAX_INTERPRETER_DEPTH} interpreters.`, fix: 'Point the #! line at a real program.' });
      return;
    }
    const interp = content.interpreter;
    if (!interp) {
      findings.push({ kind: 'will-not-start', path, message: `${shown} starts with "#!" but names no interpreter: the kernel answers "exec format error".`, fix: 'Write the interpreter after #!, e.g. #!/bin/sh.' });
      return;
    }
    if (content.crlf) {
      findings.push({
        kind: 'will-not-start',
        path,
        message: `${shown} has Windows line endings: its #! line names "${interp}\\r", which does not exist.`,
        fix: `Convert ${path} to Unix line endings (LF), e.g. with dos2unix or a .gitattributes rule "* text eol=lf".`,
      });
      return;
    }
    const interpPath = interp.startsWith('/') ? interp : joinPath(config.workingDir || '/', interp);
    const r = fs.resolve(interpPath);
    if (!r.entry || r.entry.kind === 'dir') {
      findings.push({
        kind: 'will-not-start',
        path: interp,
        message: `${shown} is a script for ${interp}, which is not in the image: the kernel answers "no such file or directory".`,
        fix: `Install ${interp} in the image (or use a base image that has it), or change the #! line to an interpreter the image has.`,
      });
      return;
    }
    if (!isExecutable(r.entry)) {
      findings.push({ kind: 'will-not-start', path: interp, message: `The interpreter ${interp} of ${shown} is not executable: the kernel answers "permission denied".`, fix: `chmod +x ${interp} in the image.` });
      return;
    }
    followProgram(fs, interp, r.path, r.entry, config, platform, expected, resolution, findings, depth + 1);
    // `#!/usr/bin/env NAME` runs NAME from PATH: that program is what must exist and fit the machine
    const envTarget = /(^|\/)env$/.test(r.path) ? content.argument?.split(/[ \t]+/).find((w) => w && !w.startsWith('-') && !w.includes('=')) : undefined;
    if (envTarget && !findings.some((f) => f.kind === 'will-not-start')) {
      const lookup = findProgram(fs, envTarget, config);
      if (!lookup.found) {
        findings.push({
          kind: 'will-not-start',
          path: envTarget,
          message: `${shown} runs "${envTarget}" through ${interp}, and no executable ${envTarget} is in the image's PATH (${pathOf(config.env)}): env answers "No such file or directory".`,
          fix: `Install ${envTarget} in the image, or put its directory on PATH (ENV PATH=…).`,
        });
        return;
      }
      followProgram(fs, lookup.found.path, lookup.found.resolvedPath, lookup.found.entry, config, platform, expected, resolution, findings, depth + 1);
    }
    return;
  }
  resolution.chain.push(checkedFile(path, entry, resolvedPath, false));
  findings.push({
    kind: 'will-not-start',
    path,
    message:
      content.kind === 'empty'
        ? `${shown} is an empty file: the kernel answers "exec format error".`
        : `${shown} is neither an ELF program nor a #! script (it starts with ${content.magic}): the kernel answers "exec format error".`,
    fix: `Put a program built for ${platform} at ${path}, or add a #! line if it is a script.`,
  });
}
