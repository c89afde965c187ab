/**
 * The images `verify` is judged on, built for real and pushed to a test registry: shared by the integration test
 * (test/integration/verify.test.ts) and the e2e spec (test/e2e/verify.spec.ts) so both judge the same bytes.
 * The programs are the real busybox binaries of each architecture, taken out of the seeded base image's layers;
 * the builds use the engine's default builder (COPY only, so no emulation is needed).
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { RegistryClient } from '../../core/registry/client.js';
import { createIndex } from '../../core/registry/manifest.js';
import { docker, type RegistryProcess } from './registry-process.js';
import { indexEntries } from './run-images.js';

const execFileAsync = promisify(execFile);

export const VERIFY_TEST_LABEL = 'dev.multiarch-lab.test=verify';
export const THREE_PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];

/** The registry parts the kit uses: where to push, and where to talk HTTP. */
export type KitRegistry = Pick<RegistryProcess, 'address' | 'url' | 'localhostAddress'>;

export type BuildFile = string | { copy: string; mtime?: number };

export interface VerifyImageKit {
  /** The real busybox of one platform of `base`, as a file in the work directory. */
  extractBusybox(platform: string): Promise<string>;
  /** Builds a context directory and pushes it for the given platforms; returns `host:port/verify/NAME:1`. */
  build(name: string, platforms: string[], dockerfile: string, files?: Record<string, BuildFile>, options?: { provenance?: boolean; compression?: 'zstd' }): Promise<string>;
  /** The manifest of one platform under `repository:1`, whether the push made an index or a plain manifest. */
  platformManifest(repository: string, platform: string): Promise<{ mediaType: string; digest: string; size: number }>;
  /** Makes a manifest of `from` (and its blobs) available in `into`, so one index there can list it. */
  mountManifest(from: string, into: string, digest: string): Promise<void>;
}

/** `base`: the repository (tag 1) holding the seeded multi-platform busybox image. */
export function verifyImageKit(registry: KitRegistry, work: string, base = 'base/busybox'): VerifyImageKit {
  const client = () => new RegistryClient({ registry: registry.address });
  const kit: VerifyImageKit = {
    async extractBusybox(platform) {
      const entry = (await indexEntries(registry as RegistryProcess, base, '1')).get(platform);
      if (!entry) throw new Error(`${base}:1 has no ${platform} entry`);
      const manifest = (await client().getManifest(base, entry.digest)).json as { layers: Array<{ digest: string }> };
      const dir = path.join(work, 'busybox', platform.replace(/\//g, '-'));
      await mkdir(dir, { recursive: true });
      for (const layer of manifest.layers) {
        const res = await fetch(`${registry.url}/v2/${base}/blobs/${layer.digest}`);
        const blob = path.join(dir, 'layer.tgz');
        await writeFile(blob, Buffer.from(await res.arrayBuffer()));
        // GNU tar unpacks whichever compression it finds; only the busybox binary is wanted
        await execFileAsync('tar', ['-xf', blob, '-C', dir, '--wildcards', '*busybox']).catch(() => undefined);
      }
      const { stdout } = await execFileAsync('find', [dir, '-name', 'busybox', '-type', 'f']);
      const file = stdout.trim().split('\n')[0];
      if (!file) throw new Error(`no busybox binary in the ${platform} layers of the base image`);
      return file;
    },

    async build(name, platforms, dockerfile, files = {}, options = {}) {
      const ctx = path.join(work, name);
      await mkdir(ctx, { recursive: true });
      await writeFile(path.join(ctx, 'Dockerfile'), dockerfile);
      for (const [file, content] of Object.entries(files)) {
        const target = path.join(ctx, file);
        await mkdir(path.dirname(target), { recursive: true });
        if (typeof content === 'string') await writeFile(target, content, { mode: 0o755 });
        else {
          await copyFile(content.copy, target);
          if (content.mtime !== undefined) await utimes(target, content.mtime, content.mtime);
        }
      }
      const tag = `${registry.localhostAddress}/verify/${name}:1`;
      const output = `type=registry,registry.insecure=true${options.compression ? `,compression=${options.compression},force-compression=true` : ''}`;
      const args = ['buildx', 'build', '--builder', 'default', '--platform', platforms.join(','), '--label', VERIFY_TEST_LABEL, options.provenance ? '--provenance=mode=min' : '--provenance=false', '--tag', tag, '--output', output, ctx];
      try {
        await docker(args, { timeoutMs: 300_000 });
      } catch (error) {
        // Seeding only: Debian's registry 2.8 sometimes answers a manifest HEAD with 500 under load (the same flake
        // pushSeedImage allows for). The build is cached, so the second try only pushes again; the app is not involved.
        if (!/\b500 Internal Server Error\b/.test((error as Error).message)) throw error;
        console.warn(`[test] seeding ${tag}: the registry answered 500; pushing once more`);
        await docker(args, { timeoutMs: 300_000 });
      }
      return tag;
    },

    async platformManifest(repository, platform) {
      const got = await client().getManifest(repository, '1');
      if (!(got.json as { manifests?: unknown }).manifests) return { mediaType: got.mediaType, digest: got.digest, size: got.size };
      const d = (await indexEntries(registry as RegistryProcess, repository, '1')).get(platform);
      if (!d) throw new Error(`${repository}:1 has no ${platform} entry`);
      return d;
    },

    async mountManifest(from, into, digest) {
      const fetched = await client().getManifest(from, digest);
      const m = fetched.json as { config: { digest: string }; layers: Array<{ digest: string }> };
      for (const d of [m.config.digest, ...m.layers.map((l) => l.digest)]) {
        const res = await fetch(`${registry.url}/v2/${into}/blobs/uploads/?mount=${d}&from=${from}`, { method: 'POST' });
        if (res.status !== 201) throw new Error(`mounting ${d} from ${from} into ${into} answered ${res.status}`);
      }
      await client().putManifest(into, digest, fetched.mediaType, fetched.text);
    },
  };
  return kit;
}

/** A correct 3-platform image: a script entrypoint run by each platform's own busybox; with provenance attestations. */
export async function pushCorrectImage(kit: VerifyImageKit, base: string, name = 'good'): Promise<string> {
  return kit.build(name, THREE_PLATFORMS, `FROM ${base}\nCOPY --chmod=755 hello /usr/local/bin/hello\nENTRYPOINT ["hello"]\nCMD ["world"]\n`, { hello: '#!/bin/sh\necho "hello $1 from $(uname -m)"\n' }, { provenance: true });
}

/** The entrypoint of the broken index: the x86-64 busybox, which prints "serving" when called by this name. */
export const BROKEN_ENTRYPOINT = '/app/echo';

/**
 * The classic mistake, joined from per-platform images: an index whose arm64 entry carries the x86-64 busybox as
 * its entrypoint (BROKEN_ENTRYPOINT, which prints "serving"). Returns the reference of the joined index.
 */
export async function pushBrokenServerIndex(kit: VerifyImageKit, registry: KitRegistry, base: string, prefix = 'srv'): Promise<string> {
  const amd64Busybox = await kit.extractBusybox('linux/amd64');
  // busybox picks its applet by the name it is called as: /app/echo is a working echo
  const dockerfile = `FROM ${base}\nCOPY --chmod=755 echo ${BROKEN_ENTRYPOINT}\nENTRYPOINT ["${BROKEN_ENTRYPOINT}", "serving"]\n`;
  await kit.build(`${prefix}-amd64`, ['linux/amd64'], dockerfile, { echo: { copy: amd64Busybox } });
  // the arm64 image gets the binary built on the (x86-64) build machine
  await kit.build(`${prefix}-arm64`, ['linux/arm64'], dockerfile, { echo: { copy: amd64Busybox } });
  const arm = await kit.platformManifest(`verify/${prefix}-arm64`, 'linux/arm64');
  await kit.mountManifest(`verify/${prefix}-arm64`, `verify/${prefix}-amd64`, arm.digest);
  const amd = await kit.platformManifest(`verify/${prefix}-amd64`, 'linux/amd64');
  const index = createIndex([
    { ...amd, platform: 'linux/amd64' },
    { ...arm, platform: 'linux/arm64' },
  ]);
  await new RegistryClient({ registry: registry.address }).putManifest(`verify/${prefix}-amd64`, 'joined', index.mediaType, index.text);
  return `${registry.localhostAddress}/verify/${prefix}-amd64:joined`;
}
