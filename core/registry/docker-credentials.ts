/**
 * The login a user already made with `docker login`: the app reads the same store, so one login serves
 * `docker push`, buildx and the app's own registry calls. The store is $DOCKER_CONFIG/config.json
 * (or ~/.docker/config.json): a credential helper named by `credHelpers`/`credsStore`, else `auths`.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { dockerConfigDir } from '../docker/discovery.js';
import type { RegistryCredentials } from './auth.js';
import { DOCKER_HUB } from './reference.js';

export interface StoredLogin {
  credentials: RegistryCredentials;
  /** Where they came from, for messages: the config file, or the helper program. */
  source: string;
}

/** The keys `docker login` may have used for this registry in `auths` and for its helpers. */
export function loginKeys(registry: string): string[] {
  if (registry === DOCKER_HUB) return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`];
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: unknown; username?: unknown; password?: unknown; identitytoken?: unknown }>;
  credsStore?: unknown;
  credHelpers?: Record<string, unknown>;
}

/**
 * The stored login for `registry`, or undefined when there is none (or the store cannot be read: then the
 * registry's refusal, with its hint to log in, is the truthful message).
 */
export async function readDockerLogin(registry: string, env: NodeJS.ProcessEnv = process.env, homedir = os.homedir()): Promise<StoredLogin | undefined> {
  const configFile = path.join(dockerConfigDir(env, homedir), 'config.json');
  let config: DockerConfigFile;
  try {
    config = JSON.parse(await readFile(configFile, 'utf8')) as DockerConfigFile;
  } catch {
    return undefined;
  }
  const keys = loginKeys(registry);
  const helperFor = keys.map((k) => config.credHelpers?.[k]).find((h): h is string => typeof h === 'string' && h.length > 0);
  const helper = helperFor ?? (typeof config.credsStore === 'string' && config.credsStore ? config.credsStore : undefined);
  if (helper && /^[a-zA-Z0-9_.-]+$/.test(helper)) {
    for (const key of keys) {
      const got = await askCredentialHelper(`docker-credential-${helper}`, key, env);
      if (got) return { credentials: got, source: `docker-credential-${helper}` };
    }
  }
  for (const key of keys) {
    const entry = config.auths?.[key];
    if (!entry) continue;
    if (typeof entry.auth === 'string' && entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { credentials: { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }, source: configFile };
    }
    if (typeof entry.username === 'string' && typeof entry.password === 'string') {
      return { credentials: { username: entry.username, password: entry.password }, source: configFile };
    }
  }
  return undefined;
}

/** Runs `docker-credential-NAME get` with the server on stdin, as the docker CLI does; undefined when it has nothing. */
function askCredentialHelper(program: string, server: string, env: NodeJS.ProcessEnv): Promise<RegistryCredentials | undefined> {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'ignore'], timeout: 10_000 });
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => {
      if (code !== 0) return resolve(undefined);
      try {
        const r = JSON.parse(out) as { Username?: unknown; Secret?: unknown };
        // "<token>" marks an identity token (an OAuth refresh token): not a password to send as Basic.
        if (typeof r.Username === 'string' && typeof r.Secret === 'string' && r.Username && r.Username !== '<token>') {
          resolve({ username: r.Username, password: r.Secret });
        } else resolve(undefined);
      } catch {
        resolve(undefined);
      }
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(server);
  });
}
