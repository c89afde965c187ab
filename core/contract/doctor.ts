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
}

export interface BuilderNodeSummary {
  name: string;
  endpoint?: string;
  status?: string;
  platforms: string[];
  buildkitVersion?: string;
}

export interface BuilderSummary {
  name: string;
  driver: string;
  current: boolean;
  status?: string;
  nodes: BuilderNodeSummary[];
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
}
