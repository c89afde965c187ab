/**
 * Benchmark: `docker buildx ls` answered from buildx's files and the engine in this process
 * (core/builder/native-ls.ts, issue 15) against the process it replaces, `docker buildx ls --format LS_TEMPLATE`,
 * side by side, alternating which goes first; medians. Every round also checks both printed the same bytes.
 * Run: PATH=/usr/bin:$PATH npx tsx bench/native-ls.ts [rounds]   (DOCKER_CONFIG picks the builders, as for docker)
 * The native side's CPU is this process's own (process.cpuUsage around the call); the docker side's is not counted
 * here (see bench/cli.ts for whole processes).
 */
import { nativeBuildxLs } from '../core/builder/native-ls.js';
import { LS_TEMPLATE } from '../core/docker/parsers/buildx-ls.js';
import { DOCKER, execFileAsync, formatMs, median, PATH_WITH_USR_BIN, ratio } from './lib.js';

const BUILDX_0_13_1 = { major: 0, minor: 13, patch: 1 };

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 9);
  const env = { ...process.env, PATH: PATH_WITH_USR_BIN, DOCKER_CLI_HINTS: 'false' };
  const viaDocker = async () => (await execFileAsync(DOCKER, ['buildx', 'ls', '--format', LS_TEMPLATE], { env, maxBuffer: 16 * 1024 * 1024 })).stdout;
  const viaNative = async () => {
    const out = await nativeBuildxLs(env, BUILDX_0_13_1, { timeoutMs: 30_000 });
    if (out === undefined) throw new Error('this machine is outside the case the native ls answers (see core/builder/native-ls-plan.ts)');
    return out;
  };
  // warm-up (and the one-off module loads), then the check that both say the same
  if ((await viaDocker()) !== (await viaNative())) throw new Error('native and docker buildx ls printed different output');
  const nativeMs: number[] = [];
  const nativeCpu: number[] = [];
  const dockerMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? (['native', 'docker'] as const) : (['docker', 'native'] as const);
    let outputs: string[] = [];
    for (const side of order) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const out = side === 'native' ? await viaNative() : await viaDocker();
      const ms = performance.now() - t0;
      if (side === 'native') {
        const c = process.cpuUsage(c0);
        nativeMs.push(ms);
        nativeCpu.push((c.user + c.system) / 1000);
      } else {
        dockerMs.push(ms);
      }
      outputs = [...outputs, out];
    }
    if (outputs[0] !== outputs[1]) throw new Error(`round ${i + 1}: native and docker buildx ls printed different output`);
  }
  const n = median(nativeMs);
  const d = median(dockerMs);
  console.log(`native buildx ls  ${formatMs(n)} (CPU in this process ${formatMs(median(nativeCpu))})`);
  console.log(`docker buildx ls  ${formatMs(d)} (a process)`);
  console.log(`ratio             ${ratio(n, d)}   (${rounds} rounds, alternating, medians; same output every round)`);
}

void main();
