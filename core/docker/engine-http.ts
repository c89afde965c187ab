/**
 * A GET of the Engine API with node:http alone, for short reads (version, info) where loading dockerode would
 * cost more than the read itself. It asks the same endpoint, on the same path, as dockerode would; endpoints that
 * need TLS keep going through dockerode.
 */
import http from 'node:http';
import { AppError } from '../contract/errors.js';
import type { EngineConnection } from './engine.js';

/** `GET path`: status and body, or undefined when this connection needs dockerode (TLS). */
export function engineGet(connection: EngineConnection, apiPath: string, signal?: AbortSignal): Promise<{ status: number; body: string }> | undefined {
  const target = connection.plainHttp;
  if (!target) return undefined;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        method: 'GET',
        path: apiPath,
        agent: target.agent,
        headers: { Host: 'docker' },
        ...(target.socketPath ? { socketPath: target.socketPath } : { host: target.host, port: target.port }),
        ...(signal ? { signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', (error) => reject(signal?.aborted ? new AppError('cancelled', 'The request to the engine was cancelled.') : error));
    req.end();
  });
}

/** `GET path` as parsed JSON, or undefined when this connection needs dockerode (TLS). */
export function engineGetJson(connection: EngineConnection, apiPath: string, signal?: AbortSignal): Promise<Record<string, unknown>> | undefined {
  return engineGet(connection, apiPath, signal)?.then(({ status, body }) => {
    if (status >= 400) throw new AppError('command-failed', `The engine answered GET ${apiPath} with ${status}: ${body.trim().slice(0, 300)}`);
    try {
      return JSON.parse(body) as Record<string, unknown>;
    } catch {
      throw new AppError('internal', `The engine's answer to GET ${apiPath} is not JSON.`, { details: { body: body.slice(0, 2000) } });
    }
  });
}
