/** A unix socket that accepts connections and never answers: an engine whose probe hangs until cancelled or timed out. */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface HungEngine {
  /** unix://… for DOCKER_HOST */
  endpoint: string;
  /** How many connections it accepted so far (a probe is waiting once this is above 0). */
  readonly connections: number;
  close(): Promise<void>;
}

export async function hungEngine(): Promise<HungEngine> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-hung-'));
  const file = path.join(dir, 'docker.sock');
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const srv = net.createServer((s) => {
    connections += 1;
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => srv.listen(file, resolve));
  return {
    endpoint: `unix://${file}`,
    get connections() {
      return connections;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => srv.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
