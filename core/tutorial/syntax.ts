/**
 * Whether the sample needs `# syntax=docker/dockerfile:1-labs`. Heredocs (`COPY <<EOF`) are read by the
 * Dockerfile frontend built into BuildKit 0.10 and later (Dockerfile syntax 1.4), which Docker Engine 23
 * and later ship. Older builders need the line, which makes BuildKit pull the frontend as an image from
 * Docker Hub before every build: offline that pull fails, so the line is added only when it must be.
 */

export const LABS_SYNTAX_LINE = '# syntax=docker/dockerfile:1-labs';
export const LABS_FRONTEND_IMAGE = 'docker/dockerfile:1-labs';

export const LABS_SYNTAX_EXPLANATION =
  'A "# syntax=" first line tells BuildKit to fetch the Dockerfile frontend as an image (here docker/dockerfile:1-labs from Docker Hub) ' +
  'and use it instead of the one built into the builder. It lets an old builder read new syntax such as heredocs, at the price of a pull ' +
  'before each build, which fails without network access to Docker Hub.';

export interface BuilderFacts {
  /** Docker Engine version, e.g. "26.1.5+dfsg1". */
  engineVersion?: string;
  /** BuildKit version of the builder that will build, e.g. "v0.13.2"; distributions may print v0.0.0+unknown. */
  buildkitVersion?: string;
  /** buildx driver of that builder: `docker` uses the engine's own BuildKit. */
  driver?: string;
}

export interface LabsSyntaxDecision {
  needed: boolean;
  /** Why, in words a person can check. */
  reason: string;
}

interface Version {
  major: number;
  minor: number;
  patch: number;
}

/** "v0.13.1", "26.1.5+dfsg1", "0.12.1-desktop.4" → numbers; v0.0.0 (unknown builds) → undefined. */
export function parseVersion(text: string | undefined): Version | undefined {
  if (!text) return undefined;
  const m = /^\s*v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  const v = { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
  if (v.major === 0 && v.minor === 0 && v.patch === 0) return undefined;
  return v;
}

function below(v: Version, major: number, minor: number): boolean {
  return v.major < major || (v.major === major && v.minor < minor);
}

export function needsLabsSyntax(facts: BuilderFacts): LabsSyntaxDecision {
  const buildkit = parseVersion(facts.buildkitVersion);
  if (buildkit) {
    return below(buildkit, 0, 10)
      ? { needed: true, reason: `The builder runs BuildKit ${facts.buildkitVersion}, older than 0.10: its built-in Dockerfile frontend cannot read heredocs, so the Dockerfile asks for ${LABS_FRONTEND_IMAGE}.` }
      : { needed: false, reason: `The builder runs BuildKit ${facts.buildkitVersion}, whose built-in Dockerfile frontend reads heredocs: no frontend image to pull.` };
  }
  const engine = parseVersion(facts.engineVersion);
  const usesEngineBuildkit = facts.driver === undefined || facts.driver === 'docker';
  if (engine && usesEngineBuildkit) {
    return engine.major < 23
      ? { needed: true, reason: `Docker Engine ${facts.engineVersion} bundles a BuildKit older than 0.10 that cannot read heredocs, so the Dockerfile asks for ${LABS_FRONTEND_IMAGE}.` }
      : { needed: false, reason: `Docker Engine ${facts.engineVersion} (23 or later) builds with a BuildKit that reads heredocs: no frontend image to pull.` };
  }
  return {
    needed: false,
    reason: 'The builder\'s BuildKit version is unknown; current builders read heredocs, so no frontend image is requested. If the build says it does not know "<<", add the line ' + LABS_SYNTAX_LINE + ' at the top.',
  };
}
