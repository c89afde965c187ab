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

export async function docker(args: string[], options: { timeoutMs?: number } = {}): Promise<{ stdout: string; stderr: string }> {
  const run = () =>
    execFileAsync(DOCKER_CLI, args, {
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 32 * 1024 * 1024,
      env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` },
    });
  try {
    return await run();
  } catch (error) {
    const e = error as { stderr?: string; message?: string };
    // Seeding only: Debian's registry 2.8 now and then answers a HEAD of a manifest not yet written with a 500
    // under load. That is the test registry's flake, not the code under test, so a push gets one more try.
    if (args[0] === 'push' && /\b500 Internal Server Error\b/.test(e.stderr ?? '')) {
      console.warn(`[test] docker ${args.join(' ')}: the registry answered 500; pushing once more`);
      try {
        return await run();
      } catch (again) {
        const e2 = again as { stderr?: string; message?: string };
        throw new Error(`docker ${args.join(' ')} failed twice: ${e2.stderr?.trim() || e2.message}`, { cause: again });
      }
    }
    throw new Error(`docker ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`, { cause: error });
  }
}

async function waitForRegistry(url: string, child: ChildProcess, output: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${output()}`);
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry did not answer ${url}/v2/ within ${timeoutMs} ms: ${output()}`);
}

/**
 * `bindAddress` (default 127.0.0.1) lets a second engine in its own network namespace reach the registry
 * through the host's end of its veth; tests then push to it as `ADDRESS:PORT`, not localhost.
 */
export async function startRegistryProcess(options: { deleteEnabled?: boolean; bindAddress?: string } = {}): Promise<RegistryProcess> {
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
      '',
    ].join('\n');
    const configPath = path.join(dataDir, 'config.yml');
    await writeFile(configPath, config);
    const child = spawn(REGISTRY_BINARY, ['serve', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const append = (chunk: Buffer) => {
      log = (log + chunk.toString('utf8')).slice(-8000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    const url = `http://${bind}:${port}`;
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
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
      stop,
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
  await docker(['tag', SEED_IMAGE, target]);
  try {
    const { stdout } = await docker(['push', target]);
    const digest = /digest: (sha256:[a-f0-9]{64})/.exec(stdout)?.[1];
    if (!digest) throw new Error(`docker push did not print a digest:\n${stdout}`);
    return { pushedAs: target, repository, tag, digest };
  } finally {
    await docker(['image', 'rm', target]).catch(() => undefined);
  }
}
