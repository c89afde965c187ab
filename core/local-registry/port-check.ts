/**
 * Is a host port free for the registry, and if not, who holds it? The engine answers for containers;
 * on Linux, /proc answers for ordinary processes (best effort: without root only our own are visible).
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import net from 'node:net';
import type Docker from 'dockerode';
import { AppError } from '../contract/errors.js';
import type { EngineConnection } from '../docker/engine.js';
import type { EngineReader } from '../docker/engine-reader.js';
import { registryEvidence } from './container-facts.js';
import { engineFailure } from '../docker/errors.js';
import { type RegistryLifecycleDeps } from './container.js';
import { isLocalEngine } from './health.js';

export type PortProbe = 'free' | 'taken';

/** Tries to listen on host:port and lets go at once. Permission or address problems are not "taken". */
export function probePort(port: number, host: string): Promise<PortProbe> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'EADDRINUSE' ? 'taken' : 'free');
    });
    // exclusive, so a cluster master sharing the handle cannot make a held port look free
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve('free'));
    });
  });
}

/** Both the wildcard and loopback: macOS lets one succeed while the other is held. */
export async function isPortFreeOnHost(port: number): Promise<boolean> {
  for (const host of ['0.0.0.0', '127.0.0.1']) {
    if ((await probePort(port, host)) === 'taken') return false;
  }
  return true;
}

export interface ListeningSocket {
  port: number;
  inode: number;
}

/**
 * Listening TCP sockets from the text of /proc/net/tcp or /proc/net/tcp6.
 * Columns: sl local_address rem_address st … inode; state 0A is LISTEN; addresses are hex ADDR:PORT.
 */
export function parseProcNetTcp(text: string): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 10) continue;
    const local = cols[1] ?? '';
    const state = cols[3];
    if (state !== '0A') continue;
    const portHex = local.slice(local.lastIndexOf(':') + 1);
    const port = Number.parseInt(portHex, 16);
    const inode = Number(cols[9]);
    if (Number.isInteger(port) && Number.isInteger(inode) && inode > 0) out.push({ port, inode });
  }
  return out;
}

export interface PortHolderProcess {
  pid: number;
  command: string;
}

/** Which process listens on the port, via /proc (Linux only; null when it cannot be seen). */
export async function findListeningProcess(port: number, procRoot = '/proc'): Promise<PortHolderProcess | null> {
  const inodes = new Set<number>();
  for (const file of ['net/tcp', 'net/tcp6']) {
    try {
      for (const s of parseProcNetTcp(await readFile(`${procRoot}/${file}`, 'utf8'))) if (s.port === port) inodes.add(s.inode);
    } catch {
      // no IPv6, or not Linux
    }
  }
  if (inodes.size === 0) return null;
  let pids: string[];
  try {
    pids = (await readdir(procRoot)).filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`${procRoot}/${pid}/fd`);
    } catch {
      continue; // gone, or another user's process
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = await readlink(`${procRoot}/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(Number(m[1]))) {
        let command = '';
        try {
          command = (await readFile(`${procRoot}/${pid}/comm`, 'utf8')).trim();
        } catch {
          // exited in between
        }
        return { pid: Number(pid), command: command || 'unknown' };
      }
    }
  }
  return null;
}

export interface PublishingContainer {
  name: string;
  image: string;
  isRegistry: boolean;
}

export interface PortHolder {
  container?: PublishingContainer;
  process?: PortHolderProcess;
}

export function describeHolder(holder: PortHolder): string | null {
  if (holder.container) return `the container "${holder.container.name}" (image ${holder.container.image})`;
  if (holder.process) return `the process ${holder.process.command} (pid ${holder.process.pid})`;
  return null;
}

/** The `port-taken` error: who holds it when known, the next free port, and the command that uses it. */
export function portTakenError(port: number, holder: PortHolder, suggestedPort: number | null, platform: NodeJS.Platform): AppError {
  const who = describeHolder(holder);
  const message = `Port ${port} is already in use${who ? ` by ${who}` : ''}, so the registry cannot be published on it.`;
  const hints: string[] = [];
  if (suggestedPort !== null) hints.push(`Use port ${suggestedPort}: multiarch-lab registry up --port ${suggestedPort}`);
  else hints.push('Pick a free port with --port.');
  if (holder.container?.isRegistry) hints.push(`Or use that registry as it is: multiarch-lab registry up --name ${holder.container.name}`);
  else if (holder.container) hints.push(`Or stop that container: docker stop ${holder.container.name}`);
  if (platform === 'darwin' && (port === 5000 || port === 7000)) {
    hints.push('On macOS the AirPlay Receiver listens on ports 5000 and 7000: turn it off in System Settings → General → AirDrop & Handoff, or use another port.');
  }
  return new AppError('port-taken', message, {
    hint: hints.join(' '),
    details: { port, suggestedPort, holder },
  });
}

const SUGGEST_RANGE = 200;

export interface PublishedBy {
  name: string;
  image: string;
  isRegistry: boolean;
}

export async function publishedPorts(deps: RegistryLifecycleDeps, docker: EngineReader): Promise<Map<number, PublishedBy>> {
  let list: Docker.ContainerInfo[];
  try {
    list = await docker.listContainers();
  } catch (error) {
    throw engineFailure(deps.engine, error, 'list the running containers', ['docker', 'ps']);
  }
  const map = new Map<number, PublishedBy>();
  for (const c of list) {
    const name = (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');
    const evidence = registryEvidence({ Config: { Image: c.Image, Labels: c.Labels }, Path: c.Command.split(' ')[0] ?? '' });
    for (const p of c.Ports ?? []) {
      if (p.PublicPort && !map.has(p.PublicPort)) map.set(p.PublicPort, { name, image: c.Image, isRegistry: evidence !== null });
    }
  }
  return map;
}

/**
 * Throws `port-taken` (who holds it, the next free port) unless the port can be published.
 * `knownTaken`: the engine already failed to bind it (e.g. an IPv6-only listener our probe cannot see).
 */
export async function checkPortFree(deps: RegistryLifecycleDeps, connection: EngineConnection, port: number, knownTaken = false): Promise<void> {
  const platform = deps.platform ?? process.platform;
  const published = await publishedPorts(deps, connection.docker);
  const local = isLocalEngine(connection);
  const byContainer = published.get(port);
  // a remote engine's ports are not this machine's: only the engine can tell
  const freeHere = local ? await isPortFreeOnHost(port) : true;
  if (!byContainer && freeHere && !knownTaken) return;
  const holder: PortHolder = {};
  if (byContainer) holder.container = byContainer;
  else if (platform === 'linux') {
    const proc = await findListeningProcess(port);
    if (proc) holder.process = proc;
  }
  let suggested: number | null = null;
  for (let p = port + 1; p <= Math.min(65535, port + SUGGEST_RANGE); p++) {
    if (published.has(p)) continue;
    if (!local || (await isPortFreeOnHost(p))) {
      suggested = p;
      break;
    }
  }
  throw portTakenError(port, holder, suggested, platform);
}
