/**
 * The sample project: a Dockerfile that writes a script with a `COPY <<-` heredoc, makes it executable
 * and runs it; the script prints a greeting and `uname -m`. The text lives in assets/tutorial so it can
 * be read and edited as a file; this module fills in the base image and the optional syntax line.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DockerfileWarning } from '../contract/build.js';
import { AppError } from '../contract/errors.js';
import { lintDockerfile } from './lint.js';
import { LABS_SYNTAX_LINE } from './syntax.js';

export const DEFAULT_SAMPLE_BASE = 'alpine:3.15';
export const SAMPLE_DIR_NAME = 'hello-multiarch';
/** The samples: `plain` runs its steps on each target platform; `fast` prepares in a $BUILDPLATFORM stage and copies. */
export const SAMPLE_KINDS = ['plain', 'fast'] as const;
export type SampleKind = (typeof SAMPLE_KINDS)[number];
/** Where each sample goes in the workspace when no folder is given. */
export const SAMPLE_DIR_NAMES: Record<SampleKind, string> = { plain: SAMPLE_DIR_NAME, fast: 'hello-multiarch-fast' };
/** What the sample's script prints before `uname -m`. */
export const SAMPLE_GREETING = 'Hello from the Multiarch Lab sample. This container runs on a machine that calls itself:';

const TEMPLATE_FILES = {
  dockerfile: 'Dockerfile.template',
  readme: 'README.md.template',
  'dockerfile-fast': 'Dockerfile.fast.template',
  'readme-fast': 'README.fast.md.template',
} as const;

/** assets/tutorial, found from this module both in the source tree and in dist/ (and in a packaged app). */
export function tutorialAssetsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MULTIARCH_LAB_ASSETS_DIR) return path.join(env.MULTIARCH_LAB_ASSETS_DIR, 'tutorial');
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'assets', 'tutorial');
    if (existsSync(path.join(candidate, TEMPLATE_FILES.dockerfile))) return candidate;
    dir = path.dirname(dir);
  }
  throw new AppError('internal', 'The tutorial templates (assets/tutorial) were not found next to the app.', {
    hint: 'Reinstall Multiarch Lab, or set MULTIARCH_LAB_ASSETS_DIR to the folder that holds tutorial/Dockerfile.template.',
  });
}

export interface SampleOptions {
  base: string;
  /** Which sample; `plain` when absent. */
  sample?: SampleKind;
  /** Put `# syntax=docker/dockerfile:1-labs` on the first line (only for builders without heredoc support). */
  labsSyntax?: boolean;
}

/** Fills a template: `{{base}}` and `{{syntax}}` (the syntax line and its newline, or nothing). */
export function renderTemplate(template: string, options: SampleOptions): string {
  if (/[\r\n]/.test(options.base)) throw new AppError('invalid-input', 'The base image may not contain line breaks.');
  return template.replaceAll('{{syntax}}', options.labsSyntax ? `${LABS_SYNTAX_LINE}\n` : '').replaceAll('{{base}}', options.base);
}

export async function readTemplate(name: keyof typeof TEMPLATE_FILES, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return readFile(path.join(tutorialAssetsDir(env), TEMPLATE_FILES[name]), 'utf8');
}

/** The sample Dockerfile's text for a base image. */
export async function sampleDockerfile(options: SampleOptions, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return renderTemplate(await readTemplate(options.sample === 'fast' ? 'dockerfile-fast' : 'dockerfile', env), options);
}

export interface ScaffoldOptions extends SampleOptions {
  /** Replace files that exist; without it an existing file stops the scaffold before anything is written. */
  overwrite?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface ScaffoldResult {
  dir: string;
  files: string[];
  dockerfile: string;
  warnings: DockerfileWarning[];
}

export async function scaffoldSample(dir: string, options: ScaffoldOptions): Promise<ScaffoldResult> {
  const target = path.resolve(dir);
  const env = options.env ?? process.env;
  const files = {
    Dockerfile: await sampleDockerfile(options, env),
    'README.md': renderTemplate(await readTemplate(options.sample === 'fast' ? 'readme-fast' : 'readme', env), options),
  };
  try {
    const s = await stat(target);
    if (!s.isDirectory()) {
      throw new AppError('conflict', `${target} exists and is not a folder.`, { hint: 'Pick a folder for the sample project.' });
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const existing = Object.keys(files).filter((name) => existsSync(path.join(target, name)));
  if (existing.length && !options.overwrite) {
    const sample = await readExistingSample(target, env);
    throw new AppError('conflict', `${target} already holds ${existing.join(' and ')}; the sample was not written.`, {
      hint: sample
        ? `Its Dockerfile is this sample's (base ${sample.base}): use these files as they are, or replace them (multiarch-lab init --force).`
        : 'Pick an empty folder, or allow replacing the files (multiarch-lab init --force).',
      details: { existing: existing.map((name) => path.join(target, name)), ...(sample ? { sample } : {}) },
    });
  }
  await mkdir(target, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(target, name);
    // Without overwrite, "wx" makes a file that appeared meanwhile fail instead of being replaced.
    await writeFile(file, text, { encoding: 'utf8', flag: options.overwrite ? 'w' : 'wx' });
    written.push(file);
  }
  return { dir: target, files: written, dockerfile: path.join(target, 'Dockerfile'), warnings: lintDockerfile(files.Dockerfile) };
}

/**
 * The sample as it already sits in `dir`: which sample, its base image and whether it has the syntax line,
 * when its Dockerfile is exactly what a sample template renders for that base; null for any other file (or none).
 */
export async function readExistingSample(
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ base: string; labsSyntax: boolean; sample: SampleKind } | null> {
  let text: string;
  try {
    text = await readFile(path.join(dir, 'Dockerfile'), 'utf8');
  } catch {
    return null;
  }
  // the fast sample's first FROM carries --platform=$BUILDPLATFORM before the base
  const base = /^FROM\s+(?:--platform=\S+\s+)?(\S+)/m.exec(text)?.[1];
  if (!base) return null;
  for (const sample of SAMPLE_KINDS) {
    const template = await readTemplate(sample === 'fast' ? 'dockerfile-fast' : 'dockerfile', env);
    for (const labsSyntax of [false, true]) {
      if (renderTemplate(template, { base, labsSyntax }) === text) return { base, labsSyntax, sample };
    }
  }
  return null;
}
