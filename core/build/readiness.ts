/**
 * `build:readiness` (`multiarch-lab check DIR`): rules of our own for a Dockerfile meant for several platforms,
 * each finding with its line, why it matters for multi-arch, and the change to make. The Dockerfile rules are
 * pure; the base-image rule asks the image's registry which platforms it holds (and says "cannot tell" when the
 * registry does not answer).
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import type * as z from 'zod';
import type { BuildReadinessInput, ReadinessFinding, ReadinessReport } from '../contract/build.js';
import type { RegistryClientFactory } from '../registry/client.js';
import { inspectReference } from '../registry/manifest.js';
import { lintDockerfile } from '../tutorial/lint.js';
import { checkProject } from './check.js';
import { contextSourcesOf, entrypointFindings, type ContextFile } from './readiness-entrypoint.js';
import { runsNatively } from './timing.js';

export interface Instruction {
  /** 1-based line where the instruction starts. */
  line: number;
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
  /** The source line as written (first line only). */
  text: string;
}

export interface Stage {
  index: number;
  name?: string;
  from: Instruction;
  image: string;
  /** `--platform=` as written, when given. */
  platformFlag?: string;
  /** Runs as the build platform (`--platform=$BUILDPLATFORM`), directly or through the stage it starts from. */
  onBuildPlatform: boolean;
  instructions: Instruction[];
}

const HEREDOC_START = /<<-?\s*(["']?)([A-Za-z_][A-Za-z0-9_]*)\1/g;

/** Instructions with their line numbers: comments skipped, `\` continuations joined, heredoc bodies kept out. */
export function parseInstructions(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  const out: Instruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i] ?? '';
    const trimmed = first.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const start = i;
    let joined = trimmed;
    while (joined.endsWith('\\') && i + 1 < lines.length) {
      i++;
      const next = (lines[i] ?? '').trim();
      if (next.startsWith('#')) continue;
      joined = `${joined.slice(0, -1)} ${next}`;
    }
    const words = [...joined.matchAll(HEREDOC_START)].map((m) => m[2] ?? '');
    for (const word of words) {
      // skip the body up to the line that is the end word (tabs allowed before it with <<-)
      while (i + 1 < lines.length && (lines[++i] ?? '').replace(/^\t+/, '') !== word);
    }
    const m = /^(\S+)\s*(.*)$/s.exec(joined);
    if (!m) continue;
    out.push({ line: start + 1, keyword: (m[1] ?? '').toUpperCase(), args: m[2] ?? '', text: first });
  }
  return out;
}

export function parseStages(instructions: readonly Instruction[]): Stage[] {
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const tokens = ins.args.split(/\s+/).filter(Boolean);
      let platformFlag: string | undefined;
      const rest: string[] = [];
      for (const t of tokens) {
        const p = /^--platform=(.+)$/.exec(t);
        if (p) platformFlag = p[1];
        else if (!t.startsWith('--')) rest.push(t);
      }
      const image = rest[0] ?? '';
      const name = rest[1]?.toLowerCase() === 'as' ? rest[2] : undefined;
      const parent = stages.find((s) => s.name !== undefined && s.name.toLowerCase() === image.toLowerCase());
      const onBuildPlatform = platformFlag ? /\$\{?BUILDPLATFORM\}?/.test(platformFlag) : (parent?.onBuildPlatform ?? false);
      const stage: Stage = { index: stages.length, from: ins, image, onBuildPlatform, instructions: [] };
      if (name) stage.name = name;
      if (platformFlag) stage.platformFlag = platformFlag;
      stages.push(stage);
    } else {
      stages.at(-1)?.instructions.push(ins);
    }
  }
  return stages;
}

const TARGET_DRIVEN = /\$\{?TARGET(?:ARCH|PLATFORM|OS|VARIANT)\b|\$\(\s*(?:uname -m|dpkg --print-architecture|arch)\s*\)|`(?:uname -m|dpkg --print-architecture|arch)`/;
const ARCH_WORD = /(?<![A-Za-z0-9])(amd64|x86_64|x86-64|aarch64|arm64|armhf|armv7l?|armel|i386|i686|ppc64le|s390x|riscv64)(?![A-Za-z0-9])/i;
const GO_CONSTANT = /\b(GOARCH|GOOS)=([A-Za-z0-9_]+)\b/;
const COMPILE = /\b(go build|go install|cargo build|cargo install|gcc|g\+\+|clang|cmake|make|npm ci|npm install|yarn install|pnpm install|pip3? install|mvn|gradle|dotnet publish)\b/;

function finding(f: ReadinessFinding): ReadinessFinding {
  return f;
}

/** The Dockerfile rules (no network): fixed platforms, arch constants, compile steps that would run emulated, heredocs. */
export function dockerfileFindings(text: string, platforms: readonly string[], buildPlatform: string, contextFiles?: ReadonlyMap<string, ContextFile>): ReadinessFinding[] {
  const stages = parseStages(parseInstructions(text));
  const out: ReadinessFinding[] = [];
  const emulatedTargets = platforms.filter((p) => !runsNatively(p, buildPlatform));

  for (const stage of stages) {
    if (stage.platformFlag && !stage.platformFlag.includes('$')) {
      out.push(finding({
        rule: 'fixed-platform',
        severity: 'warning',
        line: stage.from.line,
        text: stage.from.text,
        message: `This stage is fixed to ${stage.platformFlag}: every target platform gets the ${stage.platformFlag} base.`,
        why: 'A stage pinned to one platform builds that platform\'s files into every variant of the image; on the other machines they will not run.',
        fix: stage.instructions.some((i) => i.keyword === 'RUN')
          ? `If this stage builds tools or cross-compiles, write FROM --platform=$BUILDPLATFORM (it then runs natively and can build for $TARGETPLATFORM); otherwise drop --platform=${stage.platformFlag}.`
          : `Drop --platform=${stage.platformFlag} so each target platform gets its own base.`,
      }));
    }
    for (const ins of stage.instructions) {
      if (ins.keyword !== 'RUN' && ins.keyword !== 'ADD' && ins.keyword !== 'ENV' && ins.keyword !== 'ARG') continue;
      const go = GO_CONSTANT.exec(ins.args);
      if (go && !TARGET_DRIVEN.test(ins.args)) {
        out.push(finding({
          rule: 'arch-constant',
          severity: 'warning',
          line: ins.line,
          text: ins.text,
          message: `${go[1]}=${go[2]} is a constant: every platform's image gets a ${go[1] === 'GOARCH' ? go[2] : `${go[2]} build`} binary.`,
          why: 'Go builds for the GOOS/GOARCH it is told; a fixed value ignores the platform being built.',
          fix: `Use the platform being built: ${go[1]}=$${go[1] === 'GOARCH' ? 'TARGETARCH' : 'TARGETOS'} (with ARG ${go[1] === 'GOARCH' ? 'TARGETARCH' : 'TARGETOS'} in the stage).`,
        }));
        continue;
      }
      if (ins.keyword === 'RUN' || ins.keyword === 'ADD') {
        const arch = ARCH_WORD.exec(ins.args);
        if (arch && !TARGET_DRIVEN.test(ins.args)) {
          out.push(finding({
            rule: 'arch-constant',
            severity: 'warning',
            line: ins.line,
            text: ins.text,
            message: `"${arch[1]}" is written into this step: the same ${arch[1]} file or package is fetched for every platform.`,
            why: 'A download URL or package name with a fixed architecture puts that architecture\'s binary into every variant.',
            fix: 'Build the name from the platform: ARG TARGETARCH, then use ${TARGETARCH} in the URL or package name (map it where the project spells architectures differently, e.g. amd64 → x86_64).',
          }));
        }
      }
    }
    if (!stage.onBuildPlatform && emulatedTargets.length) {
      for (const ins of stage.instructions) {
        if (ins.keyword !== 'RUN') continue;
        const c = COMPILE.exec(ins.args);
        if (!c) continue;
        out.push(finding({
          rule: 'emulated-compile',
          severity: 'info',
          line: ins.line,
          text: ins.text,
          message: `\`${c[1]}\` runs in a stage built for each target platform, so for ${emulatedTargets.join(', ')} it runs under emulation.`,
          why: 'Compiling (or installing packages that compile native code) through QEMU is often several to tens of times slower than natively.',
          fix: `Compile in a stage that runs natively and builds for the target: FROM --platform=$BUILDPLATFORM ${stage.image} AS build, with ARG TARGETOS TARGETARCH and the compiler told the target (e.g. GOOS=$TARGETOS GOARCH=$TARGETARCH go build); then COPY --from=build the result into this stage.`,
          platforms: emulatedTargets,
        }));
      }
    }
  }
  out.push(...entrypointFindings(text, contextFiles));
  for (const w of lintDockerfile(text)) {
    const line = text.split(/\r?\n/)[w.line - 1] ?? '';
    out.push({ rule: w.code, severity: w.code === 'heredoc-unterminated' ? 'error' : 'warning', line: w.line, text: line, message: w.message, why: w.message, fix: w.hint });
  }
  return out.sort((a, b) => a.line - b.line);
}

type Input = z.output<typeof BuildReadinessInput>;

/**
 * The whole check: the Dockerfile rules, then each base image's platforms from its registry (read over HTTP or
 * HTTPS as `makeClient` decides: the app passes its plain-HTTP list).
 */
export async function checkReadiness(input: Input, buildPlatform: string, signal?: AbortSignal, makeClient?: RegistryClientFactory): Promise<ReadinessReport> {
  const project = await checkProject({ context: input.context, ...(input.dockerfile ? { dockerfile: input.dockerfile } : {}) });
  const platforms = input.platforms;
  const findings = dockerfileFindings(project.text, platforms, buildPlatform, await readContextFiles(project.context, project.text));
  const stages = parseStages(parseInstructions(project.text));
  const names = new Set(stages.map((s) => s.name?.toLowerCase()).filter(Boolean));
  const bases: ReadinessReport['bases'] = [];
  for (const stage of stages) {
    const image = stage.image;
    if (!image || image === 'scratch' || names.has(image.toLowerCase()) || image.includes('$')) continue;
    const wanted = stage.onBuildPlatform ? [buildPlatform] : stage.platformFlag && !stage.platformFlag.includes('$') ? [stage.platformFlag] : [...platforms];
    try {
      const inspected = await inspectReference({ reference: image, ...(input.insecure ? { insecure: true } : {}) }, signal, makeClient);
      const missing = wanted.filter((w) => !inspected.platforms.some((p) => runsNatively(w, p) && sameVariant(w, p)));
      bases.push({ line: stage.from.line, image, platforms: inspected.platforms, missing });
      if (missing.length) {
        findings.push({
          rule: 'base-platform',
          severity: 'error',
          line: stage.from.line,
          text: stage.from.text,
          message: `${image} has no ${missing.join(', ')} image (it holds ${inspected.platforms.join(', ') || 'no platform we could read'}).`,
          why: 'BuildKit cannot build a platform whose base image does not exist for it; the build stops at this FROM.',
          fix: `Choose a base image (or tag) published for ${missing.join(', ')}, or leave ${missing.join(', ')} out of the platforms.`,
          platforms: missing,
        });
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      bases.push({ line: stage.from.line, image, missing: [], cannotTell: reason });
      findings.push({
        rule: 'base-platform',
        severity: 'info',
        line: stage.from.line,
        text: stage.from.text,
        message: `Cannot tell which platforms ${image} has: ${reason}`,
        why: 'Its registry did not answer, so the base image could not be checked for the platforms you build.',
        fix: 'Check again where the registry is reachable, or look at the image\'s platforms with docker buildx imagetools inspect.',
      });
    }
  }
  findings.sort((a, b) => a.line - b.line);
  return { context: project.context, dockerfile: project.dockerfile, platforms: [...platforms], buildPlatform, findings, bases, ready: !findings.some((f) => f.severity === 'error') };
}

function sameVariant(wanted: string, have: string): boolean {
  const w = wanted.split('/')[2];
  const h = have.split('/')[2];
  return !w || !h || w === h;
}

/** Small files of the context that COPY/ADD name (for the entrypoint rule); a file that cannot be read is left out. */
async function readContextFiles(context: string, text: string): Promise<Map<string, ContextFile>> {
  const files = new Map<string, ContextFile>();
  await Promise.all(contextSourcesOf(text).map(async (src) => {
    const file = path.join(context, src);
    try {
      const handle = await open(file, 'r');
      try {
        const s = await handle.stat();
        if (!s.isFile()) return;
        // the rule reads only the first line: a few KiB are enough, and a large file is not read whole
        const buffer = Buffer.alloc(Math.min(s.size, 4096));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
        files.set(src, { content: buffer.subarray(0, bytesRead).toString('utf8'), mode: s.mode });
      } finally {
        await handle.close();
      }
    } catch {
      // missing here means the build itself will say so
    }
  }));
  return files;
}
