/**
 * The real distribution registry (2.8) behind a login, the two ways registries are run:
 * - htpasswd: the registry checks a Basic username/password against a bcrypt htpasswd file itself;
 * - token: the registry sends clients to a token service (realm) and verifies the JWT it issued, through
 *   its own `auth.token` settings. The token service here is the test's: it checks a Basic login and
 *   signs an ES256 JWT whose `x5c` header carries its certificate, which the registry trusts through
 *   `rootcertbundle` (registry 2.8 accepts a signing key named by x5c, jwk or a libtrust kid).
 * A `docker login` made for a test goes into a temporary DOCKER_CONFIG, never the user's.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { DOCKER_CLI, freePort, startRegistryProcess, type RegistryProcess } from './registry-process.js';

const execFileAsync = promisify(execFile);

export interface TestUser {
  username: string;
  password: string;
}

export interface AuthRegistry extends RegistryProcess {
  kind: 'htpasswd' | 'token';
  user: TestUser;
  /** Requests the token service answered, newest last (token auth only). */
  tokenRequests: Array<{ account: string | null; scopes: string[]; granted: boolean }>;
}

export const TEST_USER: TestUser = { username: 'lab-user', password: `pw-${randomBytes(6).toString('hex')}` };

/** An htpasswd line as `htpasswd -B` writes it: bcrypt, the form registry 2.8 accepts (it refuses MD5/SHA1). */
export function htpasswdLine(user: TestUser): string {
  return `${user.username}:${bcrypt.hashSync(user.password, 10)}`;
}

export async function startHtpasswdRegistry(user: TestUser = TEST_USER): Promise<AuthRegistry> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mal-registry-htpasswd-'));
  const file = path.join(dir, 'htpasswd');
  // the file must exist before the registry starts: 2.8 would otherwise create one with a random user of its own
  await writeFile(file, `${htpasswdLine(user)}\n`);
  const registry = await startRegistryProcess({ extraConfig: ['auth:', '  htpasswd:', '    realm: multiarch-lab-test', `    path: ${file}`] }).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    ...registry,
    kind: 'htpasswd',
    user,
    tokenRequests: [],
    stop: async () => {
      await registry.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const SERVICE = 'multiarch-lab-test-registry';
const ISSUER = 'multiarch-lab-test-issuer';

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** An ES256 JWT in the shape registry 2.8 verifies: iss, aud, exp/nbf and the granted `access`. */
export function signRegistryToken(key: KeyObject, certDer: Buffer, subject: string, access: Array<{ type: string; name: string; actions: string[] }>): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'ES256', x5c: [certDer.toString('base64')] };
  const claims = { iss: ISSUER, sub: subject, aud: SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  // JWS wants the raw r||s form, not DER
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${base64url(signature)}`;
}

/** `repository:team/app:pull,push` → the JWT access entry granting those actions. */
function accessFor(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last <= first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

export async function startTokenRegistry(user: TestUser = TEST_USER): Promise<AuthRegistry> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mal-registry-token-'));
  const keyPath = path.join(dir, 'issuer.key');
  const certPath = path.join(dir, 'issuer.crt');
  let server: http.Server | undefined;
  try {
    await execFileAsync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=multiarch-lab test token issuer', '-keyout', keyPath, '-out', certPath,
    ]);
    const key = createPrivateKey(await readFile(keyPath));
    const pem = await readFile(certPath, 'utf8');
    const certDer = Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''), 'base64');

    const tokenRequests: AuthRegistry['tokenRequests'] = [];
    const expected = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
      const granted = req.headers.authorization === expected && url.searchParams.get('service') === SERVICE;
      tokenRequests.push({ account: url.searchParams.get('account'), scopes, granted });
      if (!granted) {
        // anonymous or wrong password: no token at all, as token services that require a login answer
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="multiarch-lab test token service"' });
        res.end(JSON.stringify({ details: req.headers.authorization ? 'wrong username or password' : 'login required' }));
        return;
      }
      const access = scopes.map(accessFor).filter((a): a is NonNullable<typeof a> => a !== undefined);
      const token = signRegistryToken(key, certDer, user.username, access);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
    });
    const tokenPort = await freePort();
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(tokenPort, '127.0.0.1', () => resolve());
    });
    const registry = await startRegistryProcess({
      extraConfig: [
        'auth:',
        '  token:',
        `    realm: http://127.0.0.1:${tokenPort}/token`,
        `    service: ${SERVICE}`,
        `    issuer: ${ISSUER}`,
        `    rootcertbundle: ${certPath}`,
      ],
    });
    const tokenServer = server;
    return {
      ...registry,
      kind: 'token',
      user,
      tokenRequests,
      stop: async () => {
        await registry.stop();
        await new Promise((r) => tokenServer.close(r));
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    server?.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A temporary docker client config (DOCKER_CONFIG): what `docker login` writes there stays out of the user's. */
export interface DockerConfigDir {
  dir: string;
  env: NodeJS.ProcessEnv;
  login(registry: string, user: TestUser): Promise<{ ok: boolean; output: string }>;
  remove(): Promise<void>;
}

export async function tempDockerConfig(): Promise<DockerConfigDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mal-docker-config-'));
  // an explicit empty store: `docker login` keeps the login in this file, not in a credential helper of the machine
  await writeFile(path.join(dir, 'config.json'), JSON.stringify({ auths: {} }));
  const env = { ...process.env, DOCKER_CONFIG: dir, PATH: `/usr/bin:${process.env.PATH ?? ''}` };
  return {
    dir,
    env,
    async login(registry, user) {
      return new Promise((resolve) => {
        const child = execFile(DOCKER_CLI, ['login', '--username', user.username, '--password-stdin', registry], { env, timeout: 60_000 }, (error, stdout, stderr) => {
          resolve({ ok: !error, output: `${stdout}${stderr}` });
        });
        child.stdin?.end(user.password);
      });
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
