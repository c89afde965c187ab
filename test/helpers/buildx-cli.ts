/**
 * The docker CLI as the builder tests call it: /usr/bin/docker (the one with buildx), never throwing, with its exit
 * code and output; and the builder buildx calls current, which the tests check they leave as they found it.
 */
import { execFile } from 'node:child_process';

const DOCKER = '/usr/bin/docker';

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export function docker(args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(DOCKER, args, { maxBuffer: 32 * 1024 * 1024, env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` } }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export async function currentBuilder(): Promise<string> {
  const r = await docker(['buildx', 'inspect']);
  const name = /^Name:\s+(\S+)/m.exec(r.stdout)?.[1];
  if (!name) throw new Error(`cannot tell the current builder: ${r.stderr}`);
  return name;
}

/**
 * What a docker-container builder's node leaves in the engine if a test died half-way: its BuildKit container and
 * state volume. `docker buildx rm` removes both; this only matters when it did not run.
 */
export async function removeNodeLeftovers(node: string): Promise<void> {
  await docker(['rm', '-f', `buildx_buildkit_${node}`]);
  await docker(['volume', 'rm', `buildx_buildkit_${node}_state`]);
}
