/**
 * Reading the login `docker login` stored: `auths` entries in the forms docker writes, a credential helper
 * (a real executable on PATH, answering the `get` protocol), identity tokens refused as passwords, and a
 * broken or missing config read as "no login" (the registry's refusal then says to log in).
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loginKeys, readDockerLogin } from '../../../core/registry/docker-credentials.js';

let dir: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mal-docker-creds-'));
  env = { PATH: `${dir}:/usr/bin:/bin`, DOCKER_CONFIG: dir };
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function config(value: unknown): Promise<string> {
  const file = path.join(dir, 'config.json');
  await writeFile(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

/** A docker-credential-NAME program that answers `get` for one server, as the real helpers do. */
async function helper(name: string, server: string, username: string, secret: string): Promise<void> {
  const file = path.join(dir, `docker-credential-${name}`);
  await writeFile(
    file,
    `#!/bin/sh\n[ "$1" = get ] || exit 1\nread -r server\nif [ "$server" = "${server}" ]; then printf '{"ServerURL":"%s","Username":"${username}","Secret":"${secret}"}' "$server"; else echo "credentials not found in native keychain"; exit 1; fi\n`,
  );
  await chmod(file, 0o755);
}

describe('readDockerLogin', () => {
  test('an auths entry as docker login writes it (base64 user:password), under the bare host:port or a URL', async () => {
    const file = await config({ auths: { 'localhost:5000': { auth: b64('ann:pa:ss') }, 'https://reg.example.com': { auth: b64('bob:pw') } } });
    expect(await readDockerLogin('localhost:5000', env)).toEqual({ credentials: { username: 'ann', password: 'pa:ss' }, source: file });
    expect(await readDockerLogin('reg.example.com', env)).toEqual({ credentials: { username: 'bob', password: 'pw' }, source: file });
    expect(await readDockerLogin('localhost:5001', env)).toBeUndefined();
  });

  test('Docker Hub is stored under https://index.docker.io/v1/', async () => {
    await config({ auths: { 'https://index.docker.io/v1/': { auth: b64('hubuser:tok') } } });
    expect((await readDockerLogin('docker.io', env))?.credentials).toEqual({ username: 'hubuser', password: 'tok' });
    expect(loginKeys('docker.io')[0]).toBe('https://index.docker.io/v1/');
  });

  test('a credential helper: credHelpers for this registry wins over credsStore and auths', async () => {
    await helper('lab', 'localhost:5000', 'from-helper', 's3cret');
    await config({ credsStore: 'missing-store', credHelpers: { 'localhost:5000': 'lab' }, auths: { 'localhost:5000': { auth: b64('stale:old') } } });
    expect(await readDockerLogin('localhost:5000', env)).toEqual({ credentials: { username: 'from-helper', password: 's3cret' }, source: 'docker-credential-lab' });
  });

  test('credsStore: asked for every registry; when it has nothing, the auths entry is used; a missing helper program is no login', async () => {
    await helper('desk', 'localhost:5000', 'desk-user', 'desk-pw');
    await config({ credsStore: 'desk', auths: { 'localhost:6000': { auth: b64('plain:pw') } } });
    expect((await readDockerLogin('localhost:5000', env))?.credentials).toEqual({ username: 'desk-user', password: 'desk-pw' });
    expect((await readDockerLogin('localhost:6000', env))?.credentials).toEqual({ username: 'plain', password: 'pw' });
    await config({ credsStore: 'not-installed' });
    expect(await readDockerLogin('localhost:5000', env)).toBeUndefined();
  });

  test('an identity token (<token>) is not sent as a password', async () => {
    await helper('tok', 'localhost:5000', '<token>', 'refresh-token');
    await config({ credsStore: 'tok' });
    expect(await readDockerLogin('localhost:5000', env)).toBeUndefined();
  });

  test('no config, a broken config, or a helper name that is not a plain word: no login', async () => {
    expect(await readDockerLogin('localhost:5000', env)).toBeUndefined();
    await config('{ not json');
    expect(await readDockerLogin('localhost:5000', env)).toBeUndefined();
    await config({ credsStore: '../../bin/sh' });
    expect(await readDockerLogin('localhost:5000', env)).toBeUndefined();
  });
});
