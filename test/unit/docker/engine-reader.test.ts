/**
 * The plain-GET reader must answer and fail as dockerode does, since the registry status reads through it instead
 * of dockerode (issue 15). Here against a small HTTP server standing in for an engine that answers 404 and 500; the
 * registry status on the real engine goes through it in test/integration/registry-lifecycle.test.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EngineConnection } from '../../../core/docker/engine.js';
import { engineReader, queryString } from '../../../core/docker/engine-reader.js';
import { engineFailure, engineMessage, statusCodeOf } from '../../../core/docker/errors.js';

let server: http.Server;
let connection: EngineConnection;
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    if (req.url?.startsWith('/containers/json')) {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('[]');
      return;
    }
    if (req.url?.startsWith('/system/df')) {
      res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"message":"df is busy"}');
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"No such container: mal-none"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const agent = new http.Agent();
  connection = { plainHttp: { host: '127.0.0.1', port, agent }, endpoint: `tcp://127.0.0.1:${port}` } as unknown as EngineConnection;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('engineReader over plain HTTP', () => {
  test('a missing container fails with statusCode 404 and the engine message, as dockerode does', async () => {
    const error = await engineReader(connection).getContainer('mal-none').inspect().catch((e: unknown) => e);
    expect(statusCodeOf(error)).toBe(404);
    expect(engineMessage(error)).toBe('No such container: mal-none');
    expect(engineFailure({ invalidate: () => undefined }, error, 'look at the container mal-none').code).toBe('not-found');
  });

  test('dial GET builds the query as docker-modem does, and a 500 reaches the callback as an error', async () => {
    const result = await new Promise<{ error: unknown }>((resolve) => {
      engineReader(connection).modem.dial({ path: '/system/df?', method: 'GET', options: { type: ['volume'] } }, (error) => resolve({ error }));
    });
    expect(seen).toContain('/system/df?type=volume');
    expect(statusCodeOf(result.error)).toBe(500);
    expect(engineMessage(result.error)).toBe('df is busy');
  });

  test('listContainers without options is GET /containers/json', async () => {
    expect(await engineReader(connection).listContainers()).toEqual([]);
    expect(seen).toContain('/containers/json');
  });

  test('queryString: arrays repeat, objects become JSON, undefined is left out', () => {
    expect(queryString({ all: true, type: ['a', 'b'], filters: { label: ['x=1'] }, skip: undefined })).toBe('?all=true&type=a&type=b&filters=%7B%22label%22%3A%5B%22x%3D1%22%5D%7D');
    expect(queryString(undefined)).toBe('');
  });
});
