/**
 * Every manifest the registry's storage holds, tagged or not. The HTTP API only lists tags, so a manifest
 * nothing names is invisible there; its revision link in the storage folder is not. The engine hands the
 * folder over as a tar (GET /containers/ID/archive), which works for a stopped container and a remote engine.
 */
import type Docker from 'dockerode';
import { REGISTRY_DATA_PATH } from '../contract/registry-paths.js';
import { statusCodeOf } from '../docker/errors.js';

const MAX_ARCHIVE_BYTES = 256 * 1024 * 1024;

/** The file names in a tar, as ustar, pax (`path=`) and GNU long names write them. */
export function tarEntryNames(tar: Buffer): string[] {
  const names: string[] = [];
  let offset = 0;
  let nextName: string | null = null;
  const text = (start: number, length: number) => {
    const slice = tar.subarray(start, start + length);
    const nul = slice.indexOf(0);
    return slice.subarray(0, nul === -1 ? slice.length : nul).toString('utf8');
  };
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = Number.parseInt(text(offset + 124, 12).trim() || '0', 8) || 0;
    const type = String.fromCharCode(header[156] ?? 48);
    const dataStart = offset + 512;
    const data = tar.subarray(dataStart, dataStart + size);
    if (type === 'x') {
      for (const record of data.toString('utf8').split('\n')) {
        const m = /^\d+ path=(.*)$/.exec(record);
        if (m) nextName = m[1] ?? null;
      }
    } else if (type === 'L') {
      nextName = data.toString('utf8').replace(/\0.*$/s, '');
    } else if (type !== 'g') {
      let name = text(offset, 100);
      if (text(offset + 257, 5) === 'ustar') {
        const prefix = text(offset + 345, 155);
        if (prefix) name = `${prefix}/${name}`;
      }
      names.push(nextName ?? name);
      nextName = null;
    }
    offset = dataStart + Math.ceil(size / 512) * 512;
  }
  return names;
}

/** repository -> digests of every manifest revision stored for it. */
export function manifestRevisions(names: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const name of names) {
    const m = /(?:^|\/)repositories\/(.+)\/_manifests\/revisions\/(sha256|sha512)\/([a-f0-9]{64,128})\/link$/.exec(name);
    if (!m) continue;
    const list = out.get(m[1]!) ?? [];
    list.push(`${m[2]}:${m[3]}`);
    out.set(m[1]!, list);
  }
  return out;
}

/** Reads the storage tree out of the registry container (running or not). Empty when nothing was pushed yet. */
export async function storedManifests(docker: Docker, containerId: string): Promise<Map<string, string[]>> {
  const path = `${REGISTRY_DATA_PATH}/docker/registry/v2/repositories`;
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await docker.getContainer(containerId).getArchive({ path })) as NodeJS.ReadableStream;
  } catch (error) {
    if (statusCodeOf(error) === 404) return new Map();
    throw error;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_ARCHIVE_BYTES) throw new Error(`the registry's repository folder is larger than ${MAX_ARCHIVE_BYTES} bytes of links`);
    chunks.push(Buffer.from(chunk));
  }
  return manifestRevisions(tarEntryNames(Buffer.concat(chunks)));
}
