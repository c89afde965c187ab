/** `docker buildx version` output, in the forms upstream, distributions and Docker Desktop print it. */

export interface BuildxVersion {
  /** As printed, without a leading "v": "0.13.1+ds1", "0.12.1-desktop.4". */
  version: string;
  major: number;
  minor: number;
  patch: number;
  /** The commit or package revision printed after the version, when there is one. */
  revision?: string;
}

/**
 * Parses e.g. `github.com/docker/buildx v0.11.2 9872040…` or Debian's `github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3`.
 * Returns null when the text is not a buildx version line (for example the CLI saying buildx is not a docker command).
 */
export function parseBuildxVersion(output: string): BuildxVersion | null {
  for (const line of output.split(/\r?\n/)) {
    const m = /^\s*(?:\S*buildx\S*)\s+v?(\d+)\.(\d+)(?:\.(\d+))?(\S*)(?:\s+(\S+))?/.exec(line);
    if (!m) continue;
    const major = Number(m[1]);
    const minor = Number(m[2]);
    const patch = m[3] === undefined ? 0 : Number(m[3]);
    const version = `${m[1]}.${m[2]}${m[3] === undefined ? '' : `.${m[3]}`}${m[4] ?? ''}`;
    const result: BuildxVersion = { version, major, minor, patch };
    if (m[5]) result.revision = m[5];
    return result;
  }
  return null;
}

/** True when the docker CLI says it has no buildx plugin (as opposed to buildx failing for another reason). */
export function isBuildxMissingMessage(stderr: string): boolean {
  return /'buildx' is not a docker command|unknown command "buildx"|unknown flag: --(?:platform|builder)|docker: unknown command: docker buildx/i.test(stderr);
}

/** a >= b, comparing major.minor.patch only. */
export function versionAtLeast(v: Pick<BuildxVersion, 'major' | 'minor' | 'patch'>, major: number, minor: number, patch = 0): boolean {
  if (v.major !== major) return v.major > major;
  if (v.minor !== minor) return v.minor > minor;
  return v.patch >= patch;
}
