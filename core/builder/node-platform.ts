/**
 * What a builder node runs without emulation: the OS and CPU of the engine it lives on, asked of that engine
 * (`docker version`), never inferred from the platforms buildx lists (those include every emulator).
 */
import type { DockerCli } from '../docker/docker-cli.js';

const QUICK_MS = 15_000;

/** Docker's `Architecture`/Go arch to the platform word: x86_64 → amd64, aarch64 → arm64. */
export function nativePlatformOf(os: string, arch: string): string | undefined {
  const a = arch.trim().toLowerCase();
  const map: Record<string, string> = {
    x86_64: 'amd64', amd64: 'amd64', aarch64: 'arm64', arm64: 'arm64', armv7l: 'arm/v7', armhf: 'arm/v7', armv6l: 'arm/v6',
    i386: '386', i686: '386', '386': '386', riscv64: 'riscv64', ppc64le: 'ppc64le', s390x: 's390x',
  };
  const word = map[a];
  const o = os.trim().toLowerCase() || 'linux';
  return word ? `${o}/${word}` : undefined;
}

/** `docker --host URL …` for an address, `docker --context NAME …` for a context (a node's endpoint is either). */
export function engineArgs(endpoint: string): string[] {
  return /^[a-z]+:\/\//.test(endpoint) ? ['--host', endpoint] : ['--context', endpoint];
}

/** The node's engine's own platform, e.g. linux/amd64; undefined when that engine does not answer. */
export async function nodeNativePlatform(cli: DockerCli, endpoint: string, signal?: AbortSignal): Promise<string | undefined> {
  if (!endpoint) return undefined;
  const r = await cli
    .run([...engineArgs(endpoint), 'version', '--format', '{{.Server.Os}} {{.Server.Arch}}'], { allowFailure: true, timeoutMs: QUICK_MS, ...(signal ? { signal } : {}) })
    .catch(() => undefined);
  if (!r || r.code !== 0) return undefined;
  const [os, arch] = r.stdout.trim().split(/\s+/);
  return os && arch ? nativePlatformOf(os, arch) : undefined;
}
