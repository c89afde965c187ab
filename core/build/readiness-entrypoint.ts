/**
 * The readiness rule for a script the image starts directly (the first word of an exec-form ENTRYPOINT, or of CMD
 * when there is no ENTRYPOINT): the kernel starts a script only with a `#!` first line whose interpreter path it
 * can find, and only when the file is executable. A script written by a heredoc in the Dockerfile, or copied from
 * the build context, can be read before the build; one made by a RUN step cannot, and is left alone.
 */
import type { ReadinessFinding } from '../contract/build.js';
import { parseInstructions, parseStages, type Instruction, type Stage } from './readiness.js';

/** A file of the build context as the check read it (relative path as written in COPY). */
export interface ContextFile {
  content: string;
  /** The file's mode bits; COPY keeps them unless --chmod says otherwise. */
  mode: number;
}

interface Program {
  path: string;
  instruction: Instruction;
}

interface Origin {
  instruction: Instruction;
  /** The script's text: a heredoc body, or a context file. */
  content?: string;
  /** Whether the copied file is executable as it lands in the image; undefined when it cannot be told. */
  executable?: boolean;
  /** Where it came from, for the message. */
  from: string;
}

/** The stages the final image is built from, oldest first (a stage may start from an earlier named stage). */
function finalChain(stages: readonly Stage[]): Stage[] {
  const chain: Stage[] = [];
  let stage = stages.at(-1);
  while (stage && !chain.includes(stage)) {
    chain.unshift(stage);
    const image = stage.image.toLowerCase();
    stage = stages.find((s) => s.index < stage!.index && (s.name?.toLowerCase() === image || String(s.index) === image));
  }
  return chain;
}

function execForm(args: string): string[] | undefined {
  const trimmed = args.trim();
  if (!trimmed.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return Array.isArray(parsed) && parsed.every((x) => typeof x === 'string') ? (parsed as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/** What the container starts: only the exec form hands the file straight to the kernel (the shell form goes through sh). */
function startedProgram(chain: readonly Stage[]): Program | undefined {
  let entrypoint: Instruction | undefined;
  let cmd: Instruction | undefined;
  for (const ins of chain.flatMap((s) => s.instructions)) {
    if (ins.keyword === 'ENTRYPOINT') {
      entrypoint = ins;
      cmd = undefined; // a later ENTRYPOINT resets the CMD inherited before it
    } else if (ins.keyword === 'CMD') cmd = ins;
  }
  const ins = entrypoint ?? cmd;
  if (!ins) return undefined;
  const first = execForm(ins.args)?.[0];
  // A bare name is looked up on PATH: which file that is cannot be told from the Dockerfile.
  if (!first || !first.startsWith('/')) return undefined;
  return { path: first, instruction: ins };
}

function tokens(args: string): string[] {
  return args.split(/\s+/).filter(Boolean);
}

/** The heredoc body that starts after `line` (1-based) in the raw text, tabs removed for `<<-`. */
function heredocBody(rawLines: readonly string[], line: number, word: string, stripTabs: boolean): string {
  const body: string[] = [];
  for (let i = line; i < rawLines.length; i++) {
    const raw = rawLines[i] ?? '';
    const cleaned = stripTabs ? raw.replace(/^\t+/, '') : raw;
    if (cleaned.replace(/\r$/, '') === word) break;
    body.push(cleaned);
  }
  return body.join('\n');
}

function joinDest(dest: string, name: string): string {
  return dest.endsWith('/') ? `${dest}${name}` : dest;
}

function basename(p: string): string {
  return p.replace(/\/+$/, '').split('/').pop() ?? p;
}

/** The last COPY/ADD in the chain that lands on `target`, with what can be read of the file. */
function originOf(target: string, chain: readonly Stage[], rawLines: readonly string[], files: ReadonlyMap<string, ContextFile>): Origin | undefined {
  let origin: Origin | undefined;
  for (const ins of chain.flatMap((s) => s.instructions)) {
    if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
    const words = tokens(ins.args);
    const flags = words.filter((w) => w.startsWith('--'));
    const rest = words.filter((w) => !w.startsWith('--'));
    const dest = rest.at(-1);
    if (!dest || rest.length < 2) continue;
    const chmod = flags.find((f) => f.startsWith('--chmod='))?.slice('--chmod='.length);
    const chmodExecutable = chmod === undefined ? undefined : /^[0-7]+$/.test(chmod) ? (parseInt(chmod, 8) & 0o111) !== 0 : /x/.test(chmod);
    const fromStage = flags.some((f) => f.startsWith('--from='));
    for (const src of rest.slice(0, -1)) {
      const heredoc = /^<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2$/.exec(src);
      const landed = joinDest(dest, heredoc ? (heredoc[3] ?? '') : basename(src));
      if (landed !== target) continue;
      if (heredoc) {
        // A heredoc file is written with mode 0644: only --chmod makes it executable.
        origin = { instruction: ins, content: heredocBody(rawLines, ins.line, heredoc[3] ?? '', heredoc[1] === '-'), executable: chmodExecutable ?? false, from: 'the heredoc' };
      } else if (fromStage || /^[a-z]+:\/\//i.test(src)) {
        origin = { instruction: ins, ...(chmodExecutable !== undefined ? { executable: chmodExecutable } : {}), from: src };
      } else {
        const file = files.get(normalise(src));
        origin = { instruction: ins, from: src };
        if (file) origin.content = file.content;
        const executable = chmodExecutable ?? (file ? (file.mode & 0o111) !== 0 : undefined);
        if (executable !== undefined) origin.executable = executable;
      }
    }
  }
  return origin;
}

function normalise(src: string): string {
  return src.replace(/^\.\//, '');
}

/** A RUN after the copy that makes the file executable (`chmod +x /hello.sh`, `chmod 755 …`, `chmod -R … /dir`). */
function chmodAfter(target: string, after: Instruction, chain: readonly Stage[]): boolean {
  return chain
    .flatMap((s) => s.instructions)
    .some((ins) => ins.keyword === 'RUN' && ins.line > after.line && /\bchmod\b/.test(ins.args) && (ins.args.includes(target) || ins.args.includes(basename(target))));
}

/** The context files the rule would read: every plain COPY/ADD source (no URL, no other stage, no heredoc, no glob). */
export function contextSourcesOf(text: string): string[] {
  const out = new Set<string>();
  for (const ins of parseInstructions(text)) {
    if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
    const words = tokens(ins.args);
    if (words.some((w) => w.startsWith('--from='))) continue;
    const rest = words.filter((w) => !w.startsWith('--'));
    for (const src of rest.slice(0, -1)) {
      if (src.startsWith('<<') || /[*?[]/.test(src) || /^[a-z]+:\/\//i.test(src) || src.includes('..') || src.startsWith('/')) continue;
      out.add(normalise(src));
    }
  }
  return [...out];
}

/** Findings for a directly started script the kernel could not start as written. */
export function entrypointFindings(text: string, files: ReadonlyMap<string, ContextFile> = new Map()): ReadinessFinding[] {
  const chain = finalChain(parseStages(parseInstructions(text)));
  const program = startedProgram(chain);
  if (!program) return [];
  const rawLines = text.split('\n');
  const origin = originOf(program.path, chain, rawLines, files);
  if (!origin) return [];
  const where = `${program.path} (from ${origin.from}, started by ${program.instruction.keyword} on line ${program.instruction.line})`;
  const at = { line: origin.instruction.line, text: origin.instruction.text };
  const out: ReadinessFinding[] = [];
  if (origin.content !== undefined) {
    const firstLine = origin.content.split('\n')[0] ?? '';
    if (!firstLine.startsWith('#!')) {
      out.push({
        rule: 'entrypoint-script',
        severity: 'error',
        ...at,
        message: `${where} has no #! line, so the kernel cannot start it: the container fails with "exec format error".`,
        why: 'Started directly, a script needs a first line naming its interpreter. "exec format error" is also what a binary of the wrong architecture gives, so on a multi-platform image this reads like an architecture problem when it is not one.',
        fix: `Make #!/bin/sh (or the interpreter it needs) the script's first line, or start it through a shell: ${program.instruction.keyword} ["/bin/sh", "${program.path}"].`,
      });
    } else if (firstLine.endsWith('\r')) {
      out.push({
        rule: 'entrypoint-script',
        severity: 'error',
        ...at,
        message: `${where} has Windows (CRLF) line endings: the kernel looks for an interpreter named "${firstLine.slice(2).trim()}\\r" and the container fails with "no such file or directory".`,
        why: 'The carriage return becomes part of the interpreter\'s path, so no platform can start the script; the error names a file that plainly exists, which sends people looking at the image\'s architecture.',
        fix: 'Save the script with LF line endings (a .gitattributes line such as "*.sh text eol=lf" keeps it so), or strip them in the image: RUN sed -i \'s/\\r$//\' ' + program.path + '.',
      });
    }
  }
  if (origin.executable === false && !chmodAfter(program.path, origin.instruction, chain)) {
    out.push({
      rule: 'entrypoint-script',
      severity: 'error',
      ...at,
      message: `${where} is not executable in the image: the container fails with "permission denied".`,
      why: origin.from === 'the heredoc'
        ? 'A file written by a COPY heredoc gets mode 0644; the kernel starts only files with an execute bit, on every platform.'
        : 'COPY keeps the file\'s mode from the build context, and this file has no execute bit there; the kernel starts only executable files, on every platform.',
      fix: `Copy it with COPY --chmod=755 …, or add RUN chmod +x ${program.path} after this line (that RUN runs under emulation for foreign platforms; --chmod does not run anything).`,
    });
  }
  return out;
}
