/**
 * `tutorial:init`: writes the sample project where the user asked (or into the workspace folder), with the
 * `# syntax=` line only when the builder that will build it cannot read heredocs on its own.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TutorialInitResult } from '../contract/build.js';
import { AppError } from '../contract/errors.js';
import type { EngineAccess } from '../docker/engine.js';
import { describeBuildx, describeEngine } from '../doctor/doctor.js';
import type { SettingsStore } from '../settings.js';
import { existsSync } from 'node:fs';
import { lintDockerfile } from './lint.js';
import { DEFAULT_SAMPLE_BASE, readExistingSample, SAMPLE_DIR_NAMES, scaffoldSample, type SampleKind } from './sample.js';
import { needsLabsSyntax, type BuilderFacts, type LabsSyntaxDecision } from './syntax.js';

export interface TutorialDeps {
  engine: EngineAccess;
  settings: SettingsStore;
  env?: NodeJS.ProcessEnv;
}

/**
 * Facts about the builder the modern flow would pick: the engine's own with the containerd store,
 * the configured (host-networked) one otherwise.
 */
export async function builderFacts(deps: TutorialDeps, signal?: AbortSignal): Promise<BuilderFacts> {
  const connection = await deps.engine.connect(signal);
  const engine = await describeEngine(connection, signal);
  if (engine.containerdImageStore) return { engineVersion: engine.version, driver: 'docker' };
  const settings = await deps.settings.read();
  const buildx = await describeBuildx(deps.engine.cli(), true, signal);
  const builder = buildx.builders.find((b) => b.name === settings.builder.name);
  if (!builder) return { engineVersion: engine.version, driver: 'docker' };
  const facts: BuilderFacts = { engineVersion: engine.version, driver: builder.driver };
  const buildkit = builder.nodes.find((n) => n.buildkitVersion)?.buildkitVersion;
  if (buildkit) facts.buildkitVersion = buildkit;
  return facts;
}

export async function decideLabsSyntax(deps: TutorialDeps, signal?: AbortSignal): Promise<LabsSyntaxDecision> {
  try {
    return needsLabsSyntax(await builderFacts(deps, signal));
  } catch (error) {
    if (error instanceof AppError && error.code === 'cancelled') throw error;
    const decision = needsLabsSyntax({});
    return { needed: false, reason: `The engine could not be asked (${error instanceof Error ? error.message.split('\n')[0] : String(error)}). ${decision.reason}` };
  }
}

export async function initTutorial(
  deps: TutorialDeps,
  input: { dir?: string; base?: string; overwrite?: boolean; useExisting?: boolean; sample?: SampleKind },
  signal?: AbortSignal,
): Promise<TutorialInitResult> {
  const sample = input.sample ?? 'plain';
  const dir = input.dir ? path.resolve(input.dir) : path.join(await deps.settings.workspaceDir(), SAMPLE_DIR_NAMES[sample]);
  if (input.useExisting) return useExistingSample(dir, deps.env);
  const base = input.base ?? DEFAULT_SAMPLE_BASE;
  const decision = await decideLabsSyntax(deps, signal);
  const written = await scaffoldSample(dir, {
    base,
    sample,
    labsSyntax: decision.needed,
    ...(input.overwrite ? { overwrite: true } : {}),
    ...(deps.env ? { env: deps.env } : {}),
  });
  return {
    dir: written.dir,
    files: written.files,
    dockerfile: written.dockerfile,
    base,
    sample,
    labsSyntax: { added: decision.needed, reason: decision.reason },
    warnings: written.warnings,
  };
}

/** The sample already in `dir`, taken as it is (nothing written); refused when the files there are not the sample's. */
async function useExistingSample(dir: string, env?: NodeJS.ProcessEnv): Promise<TutorialInitResult> {
  const found = await readExistingSample(dir, env);
  if (!found) {
    throw new AppError('conflict', `${dir} does not hold this app's sample Dockerfile.`, { hint: 'Write the sample there (replacing the files), or build the folder as a folder of your own.' });
  }
  const dockerfile = path.join(dir, 'Dockerfile');
  const files = [dockerfile, path.join(dir, 'README.md')].filter((f) => existsSync(f));
  const text = await readFile(dockerfile, 'utf8');
  return {
    dir,
    files,
    dockerfile,
    base: found.base,
    sample: found.sample,
    labsSyntax: { added: found.labsSyntax, reason: 'The files already in the folder were kept as they are.' },
    warnings: lintDockerfile(text),
  };
}
