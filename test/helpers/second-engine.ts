/**
 * A second Docker engine on this machine, for builders with two nodes, made exactly as
 * ../shared/test-images/README.md says works: in a network namespace of its own, joined to the host by a
 * veth pair on a /30 of 10.231.0.0/16, with no bridge, no iptables and no default route. A dockerd started in
 * the host's namespace removed the first engine's docker0 (the trap): never do that. Everything is named
 * mal-t13-<random>, and `stop()` takes it all down in reverse order.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const DOCKER = '/usr/bin/docker';
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUILDKIT_TARBALL = 'buildkit-v0.23.2-linux-amd64.tar.gz';

async function run(cmd: string, args: string[], timeout = 120_000): Promise<string> {
  try {
    const { stdout } = await execFileAsync(cmd, args, { timeout, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, PATH: `/usr/bin:/usr/sbin:/sbin:${process.env.PATH ?? ''}` } });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`, { cause: error });
  }
}

/** ../shared/test-images beside the repository, or beside the main checkout when this is a linked worktree. */
export async function sharedTestImages(): Promise<string | undefined> {
  const direct = path.resolve(REPO_ROOT, '..', 'shared', 'test-images');
  if (existsSync(path.join(direct, BUILDKIT_TARBALL))) return direct;
  const common = (await run('git', ['-C', REPO_ROOT, 'rev-parse', '--path-format=absolute', '--git-common-dir']).catch(() => '')).trim();
  if (!common) return undefined;
  const beside = path.resolve(path.dirname(common), '..', 'shared', 'test-images');
  return existsSync(path.join(beside, BUILDKIT_TARBALL)) ? beside : undefined;
}

/** The first engine's bridge route, as `ip route` prints it: it must be there before and after. */
export async function docker0Route(): Promise<string | undefined> {
  const routes = await run('ip', ['route']);
  return routes.split('\n').find((l) => /^172\.17\.0\.0\/16 dev docker0\b/.test(l));
}

export interface SecondEngine {
  id: string;
  netns: string;
  /** unix:///run/mal-t13-….sock */
  host: string;
  /** The host's end of the veth: how the second engine reaches services on this machine. */
  hostAddress: string;
  /** The namespace's end. */
  namespaceAddress: string;
  /** The docker context that names this engine. */
  context: string;
  docker(args: string[], timeout?: number): Promise<string>;
  log(): Promise<string>;
  stop(): Promise<string[]>;
}

/** A /30 in 10.231.0.0/16 that no route of this machine uses yet. */
async function freeSubnet(): Promise<number> {
  const routes = await run('ip', ['route']);
  for (let i = 0; i < 50; i++) {
    const n = 1 + Math.floor(Math.random() * 16000);
    const third = Math.floor((n * 4) / 256);
    const fourth = (n * 4) % 256;
    if (!routes.includes(`10.231.${third}.${fourth}/30`)) return n * 4;
  }
  throw new Error('no free /30 in 10.231.0.0/16');
}

export async function startSecondEngine(): Promise<SecondEngine> {
  const id = `mal-t13-${randomBytes(3).toString('hex')}`;
  const short = id.replace('mal-t13-', 'mt');
  const netns = id;
  const hostIf = `${short}h`;
  const nsIf = `${short}c`;
  const base = await freeSubnet();
  const octets = (k: number) => `10.231.${Math.floor((base + k) / 256)}.${(base + k) % 256}`;
  const hostAddress = octets(1);
  const namespaceAddress = octets(2);
  const socket = `/run/${id}.sock`;
  const pidfile = `/run/${id}.pid`;
  const dataRoot = `/var/lib/${id}`;
  const execRoot = `/run/${id}`;
  const logFile = `/tmp/${id}-dockerd.log`;
  const context = id;
  const host = `unix://${socket}`;
  const made: string[] = [];

  const stop = async (): Promise<string[]> => {
    const problems: string[] = [];
    const attempt = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (error) {
        problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    if (made.includes('context')) await attempt('docker context rm', () => run(DOCKER, ['context', 'rm', '-f', context]));
    if (made.includes('dockerd')) {
      await attempt('stop dockerd', async () => {
        const pid = Number((await readFile(pidfile, 'utf8')).trim());
        if (!pid) return;
        process.kill(pid, 'SIGTERM');
        for (let i = 0; i < 200; i++) {
          try {
            process.kill(pid, 0);
          } catch {
            return;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        process.kill(pid, 'SIGKILL');
      });
      // dockerd leaves its netns bind mount (nsfs) under the exec root behind; unmount what is left, deepest first.
      await attempt('unmount what dockerd left', async () => {
        const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n').map((l) => l.split(' ')[1] ?? '');
        const ours = mounts.filter((m) => m.startsWith(`${execRoot}/`) || m.startsWith(`${dataRoot}/`)).sort((a, b) => b.length - a.length);
        for (const m of ours) await run('umount', [m]);
      });
      await attempt('remove the data root', () => rm(dataRoot, { recursive: true, force: true }));
      await attempt('remove the exec root', () => rm(execRoot, { recursive: true, force: true }));
    }
    if (made.includes('veth')) await attempt('ip link del', () => run('ip', ['link', 'del', hostIf]));
    if (made.includes('netns')) await attempt('ip netns del', () => run('ip', ['netns', 'del', netns]));
    return problems;
  };

  try {
    await run('ip', ['netns', 'add', netns]);
    made.push('netns');
    await run('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
    made.push('veth');
    await run('ip', ['link', 'set', nsIf, 'netns', netns]);
    await run('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', hostIf]);
    await run('ip', ['link', 'set', hostIf, 'up']);
    await run('ip', ['netns', 'exec', netns, 'ip', 'addr', 'add', `${namespaceAddress}/30`, 'dev', nsIf]);
    await run('ip', ['netns', 'exec', netns, 'ip', 'link', 'set', nsIf, 'up']);
    await run('ip', ['netns', 'exec', netns, 'ip', 'link', 'set', 'lo', 'up']);

    // nsenter, not `ip netns exec`: the latter remounts /sys and dockerd then finds no devices cgroup.
    const out = openSync(logFile, 'w');
    const child = spawn(
      'nsenter',
      [`--net=/run/netns/${netns}`, 'dockerd', '--data-root', dataRoot, '--exec-root', execRoot, '--pidfile', pidfile, '-H', host,
        '--iptables=false', '--ip6tables=false', '--bridge=none', '--insecure-registry', `${hostAddress}/30`],
      { detached: true, stdio: ['ignore', out, out] },
    );
    child.unref();
    closeSync(out);
    made.push('dockerd');
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await run(DOCKER, ['-H', host, 'version', '--format', '{{.Server.Version}}'], 5_000);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`the second dockerd did not answer on ${host}: ${(await readFile(logFile, 'utf8').catch(() => '')).slice(-2000)}`, { cause: error });
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    const images = await sharedTestImages();
    if (!images) throw new Error(`no ${BUILDKIT_TARBALL} in ../shared/test-images: the second engine cannot start BuildKit offline`);
    await run(DOCKER, ['-H', host, 'load', '-q', '-i', path.join(images, BUILDKIT_TARBALL)], 300_000);
    await run(DOCKER, ['context', 'create', context, '--description', 'Multiarch Lab test: a second engine in its own network namespace', '--docker', `host=${host}`]);
    made.push('context');
  } catch (error) {
    const problems = await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}${problems.length ? ` (tear-down: ${problems.join('; ')})` : ''}`, { cause: error });
  }

  return {
    id,
    netns,
    host,
    hostAddress,
    namespaceAddress,
    context,
    docker: (args, timeout) => run(DOCKER, ['-H', host, ...args], timeout),
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    stop: async () => {
      const problems = await stop();
      await rm(logFile, { force: true });
      return problems;
    },
  };
}
