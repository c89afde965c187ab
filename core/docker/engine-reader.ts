/**
 * The few Engine API reads that a status needs (a container, a volume, the container list, the volumes' disk
 * usage), without loading dockerode where a plain GET reaches the engine (issue 15: dockerode with grpc and ssh2
 * costs about 180 ms to load, more than the Doctor's whole registry check). The reader has the shape of the part
 * of dockerode the callers use, and fails the way dockerode fails (an error with `statusCode`, `json` and the
 * "(HTTP code N) reason - message" text), so the callers' error handling stays the same. TLS endpoints, which
 * plain GETs cannot reach, get dockerode itself.
 */
import type Docker from 'dockerode';
import type { EngineConnection } from './engine.js';
import { engineGet } from './engine-http.js';

type DialOptions = { path: string; method: string; options?: Record<string, unknown>; statusCodes?: Record<number, string | boolean> };

/** The part of dockerode that reading a status uses; dockerode itself is one. */
export interface EngineReader {
  getContainer(id: string): { inspect(): Promise<Docker.ContainerInspectInfo> };
  getVolume(name: string): { inspect(): Promise<Docker.VolumeInspectInfo> };
  listContainers(options?: Docker.ContainerListOptions): Promise<Docker.ContainerInfo[]>;
  modem: { dial(options: DialOptions, callback?: (error: unknown, result: unknown) => void): void };
}

const REASONS: Record<number, string> = { 304: 'container already started', 400: 'bad parameter', 404: 'no such object', 409: 'conflict', 500: 'server error' };

/** The error dockerode (docker-modem) makes for an HTTP status it was not told to expect. */
export function engineHttpError(status: number, body: string): Error & { statusCode: number; json: unknown; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = null;
  }
  const message = json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string' ? (json as { message: string }).message : body.trim();
  const reason = REASONS[status] ?? 'unexpected';
  return Object.assign(new Error(`(HTTP code ${status}) ${reason} - ${message} `), { statusCode: status, json, reason });
}

/** `?a=1&type=volume&type=image`: arrays as repeated keys, objects as JSON, as docker-modem builds them. */
export function queryString(options: Record<string, unknown> | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(options ?? {})) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else if (value !== null && typeof value === 'object') params.append(key, JSON.stringify(value));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** A reader for this connection: plain GETs where they reach the engine, else its dockerode client. */
export function engineReader(connection: EngineConnection): EngineReader {
  if (!connection.plainHttp) return connection.docker;
  const getJson = async <T>(apiPath: string): Promise<T> => {
    const answer = engineGet(connection, apiPath);
    if (!answer) throw new Error('unreachable: plain HTTP was checked above');
    const { status, body } = await answer;
    if (status < 200 || status >= 300) throw engineHttpError(status, body);
    return JSON.parse(body) as T;
  };
  const segment = encodeURIComponent;
  return {
    getContainer: (id) => ({ inspect: () => getJson(`/containers/${segment(id)}/json`) }),
    getVolume: (name) => ({ inspect: () => getJson(`/volumes/${segment(name)}`) }),
    listContainers: (options) => getJson(`/containers/json${queryString(options as Record<string, unknown> | undefined)}`),
    modem: {
      dial: (options, callback) => {
        if (!callback) return;
        if (options.method !== 'GET') {
          callback(new Error(`The plain reader only reads (asked ${options.method} ${options.path}).`), undefined);
          return;
        }
        const base = options.path.replace(/\?$/, '');
        getJson(`${base}${queryString(options.options)}`).then(
          (result) => callback(null, result),
          (error: unknown) => callback(error, undefined),
        );
      },
    },
  };
}
