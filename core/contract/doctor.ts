/** The Doctor's report: is this machine ready for multi-arch work, and what to do about each gap. */

export type EndpointKind = 'env' | 'context' | 'socket' | 'pipe';

export interface EndpointAttempt {
  /** Where this candidate came from, e.g. "DOCKER_HOST", "docker context 'desktop-linux'", "rootless socket". */
  source: string;
  kind: EndpointKind;
  /** unix:///var/run/docker.sock, tcp://host:2375, npipe:////./pipe/docker_engine */
  endpoint: string;
  ok: boolean;
  /** Why it did not answer (missing file, permission denied, refused, timeout…). */
  reason?: string;
  /** This is the endpoint the app talks to. */
  selected?: boolean;
  /** Extra words, e.g. why an answering endpoint was not used. */
  note?: string;
}

export interface EngineInfo {
  endpoint: string;
  source: string;
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
  kernelVersion?: string;
  /** The engine keeps images in containerd's store (it can hold multi-platform images). */
  containerdImageStore: boolean;
  storageDriver?: string;
  /** "linux" or "windows" (which kind of containers the engine runs). */
  osType?: string;
  /** e.g. "Docker Desktop", "Debian GNU/Linux 13 (trixie)". */
  operatingSystem?: string;
  /** The engine runs on this machine's own kernel (so /proc tells the truth about it). */
  local?: boolean;
}

export interface BuilderNodeSummary {
  name: string;
  endpoint?: string;
  status?: string;
  platforms: string[];
  /** Platforms fixed with `--platform` when the node was created (shown with a `*` by buildx ls). */
  pinnedPlatforms?: string[];
  buildkitVersion?: string;
  error?: string;
}

export interface BuilderSummary {
  name: string;
  driver: string;
  current: boolean;
  status?: string;
  nodes: BuilderNodeSummary[];
  error?: string;
  /** buildx shortened the platform list (newer versions do so in table output). */
  platformsTruncated?: boolean;
}

export interface BuildxInfo {
  available: boolean;
  version?: string;
  /** The docker CLI used for buildx and other commands. */
  cliPath?: string;
  builders: BuilderSummary[];
  current?: string;
  error?: string;
}

export type PlatformSupport = 'native' | 'emulated' | 'unavailable';

export interface PlatformStatus {
  platform: string;
  support: PlatformSupport;
  /** For emulated platforms: the handler (e.g. "qemu-aarch64 via binfmt_misc") or where we learned it. */
  via?: string;
}

export type CheckStatus = 'ok' | 'warning' | 'missing';

export interface DoctorCheck {
  id: 'engine' | 'buildx' | 'containerd-store' | 'emulation' | string;
  title: string;
  status: CheckStatus;
  summary: string;
  /** What to do about it, in plain words, when status is not ok. */
  fix?: string;
  /** Commands that fix it, each an argument array. */
  fixCommands?: string[][];
}

export interface DoctorReport {
  generatedAt: string;
  host: { os: string; arch: string };
  attempts: EndpointAttempt[];
  engine: EngineInfo | null;
  buildx: BuildxInfo;
  platforms: PlatformStatus[];
  checks: DoctorCheck[];
  /** True when every check is ok (warnings allowed). */
  ready: boolean;
  /** Where emulation facts came from: the host's binfmt_misc handlers, the current builder's platform list, or nowhere. */
  emulationSource?: 'binfmt_misc' | 'builder' | 'none';
}
