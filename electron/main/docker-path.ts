/**
 * The PATH the core (and the docker CLI it starts) gets in the desktop app. An app opened from
 * Finder or the Dock inherits launchd's PATH (/usr/bin:/bin:/usr/sbin:/sbin), which holds neither
 * `docker` nor the credential helpers it runs (docker-credential-desktop, -osxkeychain): builds
 * then fail at the first registry login. A terminal's PATH is not at hand there, so the folders
 * where macOS installs of Docker put them are added. Pure, so each platform is testable anywhere.
 */
import path from 'node:path';

export interface PathInputs {
  platform: NodeJS.Platform;
  /** The PATH the app was started with (may be empty or absent). */
  pathValue: string | undefined;
  home: string;
}

/** Where macOS installs put `docker` and its helpers, in the order a shell setup would usually list them. */
export function macDockerFolders(home: string): string[] {
  return [
    '/opt/homebrew/bin', // Homebrew on Apple silicon
    '/usr/local/bin', // Homebrew on Intel, and Docker Desktop's default symlinks
    path.posix.join(home, '.docker', 'bin'), // Docker Desktop's per-user CLI tools
    '/Applications/Docker.app/Contents/Resources/bin', // Docker Desktop's own copies
    path.posix.join(home, '.rd', 'bin'), // Rancher Desktop
    '/Applications/Rancher Desktop.app/Contents/Resources/resources/darwin/bin',
    path.posix.join(home, '.orbstack', 'bin'), // OrbStack
    '/opt/local/bin', // MacPorts (colima, podman)
  ];
}

/**
 * The PATH for the docker CLI: on macOS the inherited entries first (what the user set wins), then
 * the usual folders that are missing; on other platforms unchanged (a desktop session there gets
 * the login PATH, and on Windows Docker Desktop adds itself to the system PATH).
 */
export function dockerCliPath(inputs: PathInputs): string | undefined {
  if (inputs.platform !== 'darwin') return inputs.pathValue;
  const current = (inputs.pathValue ?? '').split(':').filter((entry) => entry !== '');
  const seen = new Set(current.map((entry) => entry.replace(/\/+$/, '')));
  const added = macDockerFolders(inputs.home).filter((folder) => !seen.has(folder));
  return [...current, ...added].join(':');
}
