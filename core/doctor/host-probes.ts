/**
 * Reading the host's binfmt_misc handlers. The file access goes through a small reader so the report logic
 * can be tested with fixture trees, while the Doctor itself reads /proc for real.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseBinfmtHandler, parseBinfmtStatus, type BinfmtState } from '../docker/parsers/binfmt.js';

export const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

export interface DirReader {
  list(dir: string): Promise<string[]>;
  read(file: string): Promise<string | undefined>;
}

export const fsReader: DirReader = {
  list: async (dir) => {
    try {
      return await readdir(dir);
    } catch {
      return [];
    }
  },
  read: async (file) => {
    try {
      return await readFile(file, 'utf8');
    } catch {
      return undefined;
    }
  },
};

/** Every handler registered in binfmt_misc, with the global switch. */
export async function readBinfmtState(dir: string = BINFMT_DIR, reader: DirReader = fsReader): Promise<BinfmtState> {
  const status = parseBinfmtStatus(await reader.read(path.join(dir, 'status')));
  if (!status.mounted) return { ...status, handlers: [] };
  const names = (await reader.list(dir)).filter((n) => n !== 'status' && n !== 'register').sort();
  const handlers = [];
  for (const name of names) {
    const text = await reader.read(path.join(dir, name));
    if (text !== undefined) handlers.push(parseBinfmtHandler(name, text));
  }
  return { ...status, handlers };
}
