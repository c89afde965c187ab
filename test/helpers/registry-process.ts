/**
 * A real distribution registry (Debian's /usr/bin/docker-registry, the code inside `registry:2`)
 * run as a plain process on a free loopback port with its own temporary storage.
 * Tests talk to it over HTTP; dockerd pushes to it as `localhost:PORT`, which it treats as insecure.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const REGISTRY_BINARY = '/usr/bin/docker-registry';
/** The CLI with buildx; /usr/local/bin/docker may come first on PATH and lacks it. */
export const DOCKER_CLI = '/usr/bin/docker';
export const SEED_IMAGE = 'multiarch-lab-test/busybox:1';

export interface RegistryProcess {
  port: number;
  /** `127.0.0.1:PORT`: what the HTTP client uses. */
  address: string;
  /** `localhost:PORT`: what dockerd pushes to without TLS. */
  localhostAddress: string;
  url: string;
  dataDir: string;
  deleteEnabled: boolean;
  /** What the registry printed, for failure messages. */
  output(): string;
  /** SIGKILL, as a crash: the storage stays for `start()`. */
  kill(): Promise<void>;
  /** Starts it again on the same port, config and storage, and waits until it answers. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The docker CLI, once: no retry, so a test of a push sees every failure the registry gives. */
export async function docker(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(DOCKER_CLI, args, {
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 32 * 1024 * 1024,
      env: { ...(options.env ?? process.env), PATH: `/usr/bin:${process.env.PATH ?? ''}` },
    });
  } catch (error) {
    const e = error as { stderr?: string; message?: string };
    throw new Error(`docker ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`, { cause: error });
  }
}

/**
 * Seeding only: puts SEED_IMAGE into a registry as `reference` (no other image can go through here) and
 * removes the local tag. Debian's registry 2.8 now and then answers a HEAD of a manifest not yet written
 * with a 500 under load; that is the test registry's flake, not the code under test, so this push, and no
 * other, gets one more try, and says so.
 */
export async function pushSeedImage(reference: string, options: { env?: NodeJS.ProcessEnv } = {}): Promise<{ digest: string }> {
  await docker(['tag', SEED_IMAGE, reference]);
  try {
    let stdout: string;
    try {
      ({ stdout } = await docker(['push', reference], options));
    } catch (error) {
      if (!/\b500 Internal Server Error\b/.test((error as Error).message)) throw error;
      console.warn(`[test] seeding ${reference}: the registry answered 500; pushing once more`);
      ({ stdout } = await docker(['push', reference], options));
    }
    const digest = /digest: (sha256:[a-f0-9]{64})/.exec(stdout)?.[1];
    if (!digest) throw new Error(`docker push ${reference} did not print a digest:\n${stdout}`);
    return { digest };
  } finally {
    await docker(['image', 'rm', reference]).catch(() => undefined);
  }
}

async function waitForRegistry(url: string, child: ChildProcess, output: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${output()}`);
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
      // 401: a registry with auth configured is up and asking for a login
      if (res.status === 200 || res.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry did not answer ${url}/v2/ within ${timeoutMs} ms: ${output()}`);
}

export interface RegistryProcessOptions {
  deleteEnabled?: boolean;
  /** More top-level config sections as YAML lines (e.g. an `auth:` block); each line as it goes in the file. */
  extraConfig?: string[];
  /**
   * Default 127.0.0.1. Lets a second engine in its own network namespace reach the registry through the host's end
   * of its veth; tests then push to it as `ADDRESS:PORT`, not localhost.
   */
  bindAddress?: string;
}

export async function startRegistryProcess(options: RegistryProcessOptions = {}): Promise<RegistryProcess> {
  const bind = options.bindAddress ?? '127.0.0.1';
  const deleteEnabled = options.deleteEnabled ?? false;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-registry-'));
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const config = [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dataDir, 'storage')}`,
      '  delete:',
      `    enabled: ${deleteEnabled}`,
      'http:',
      `  addr: ${bind}:${port}`,
      ...(options.extraConfig ?? []),
      '',
    ].join('\n');
    const configPath = path.join(dataDir, 'config.yml');
    await writeFile(configPath, config);
    let log = '';
    const append = (chunk: Buffer) => {
      log = (log + chunk.toString('utf8')).slice(-8000);
    };
    const url = `http://${bind}:${port}`;
    const spawnRegistry = () => {
      const c = spawn(REGISTRY_BINARY, ['serve', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
      c.stdout?.on('data', append);
      c.stderr?.on('data', append);
      return c;
    };
    let child = spawnRegistry();
    const end = async (signal: NodeJS.Signals) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    };
    try {
      await waitForRegistry(url, child, () => log);
    } catch (error) {
      if (child.exitCode === null) child.kill('SIGKILL');
      // another process may have grabbed the port between our probe and the registry's bind
      if (attempt < 3 && /address already in use/i.test(log)) continue;
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
    return {
      port,
      address: `${bind}:${port}`,
      localhostAddress: bind === '127.0.0.1' ? `localhost:${port}` : `${bind}:${port}`,
      url,
      dataDir,
      deleteEnabled,
      output: () => log,
      kill: () => end('SIGKILL'),
      start: async () => {
        if (child.exitCode === null && child.signalCode === null) throw new Error('the registry is still running');
        child = spawnRegistry();
        await waitForRegistry(url, child, () => log);
      },
      stop: async () => {
        await end('SIGTERM');
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
}

export interface SeededImage {
  /** `localhost:PORT/repo:tag`, the name dockerd pushed. */
  pushedAs: string;
  repository: string;
  tag: string;
  /** The index digest the push printed. */
  digest: string;
}

/**
 * Pushes the multi-platform test image (linux/amd64, linux/arm64, linux/arm/v7) into the registry:
 * with the containerd image store, one push sends every platform and the index. The local tag is
 * removed afterwards so the engine keeps nothing of ours.
 */
export async function seedMultiArchImage(registry: RegistryProcess, repository = 'test/busybox', tag = '1'): Promise<SeededImage> {
  const target = `${registry.localhostAddress}/${repository}:${tag}`;
  const { digest } = await pushSeedImage(target);
  return { pushedAs: target, repository, tag, digest };
}
