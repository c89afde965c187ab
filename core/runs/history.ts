/**
 * Saved run matrices, one JSON file each under `<data folder>/runs/`, so every front (and the next launch)
 * sees the same history. Files are written atomically; a damaged file is skipped in the list, not fatal.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../contract/errors.js';
import { RunId, type RunMatrix, type RunSummary } from '../contract/runs.js';

export class RunHistory {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'runs');
  }

  /** A sortable, readable id: 20261127-041502-3f9a (UTC). */
  static newId(now: Date = new Date()): string {
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    return `${stamp}-${randomBytes(2).toString('hex')}`;
  }

  async save(matrix: RunMatrix): Promise<void> {
    const file = this.fileOf(matrix.id);
    await mkdir(this.dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, `${JSON.stringify(matrix, null, 2)}\n`, 'utf8');
    await rename(tmp, file);
  }

  /** Newest first. */
  async list(): Promise<RunSummary[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const summaries: RunSummary[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const id = name.slice(0, -'.json'.length);
      if (!RunId.safeParse(id).success) continue;
      const matrix = await this.read(id).catch(() => undefined);
      if (matrix) summaries.push(summarize(matrix));
    }
    return summaries.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : b.id.localeCompare(a.id)));
  }

  async get(id: string): Promise<RunMatrix> {
    const matrix = await this.read(id);
    if (!matrix) throw notFound(id);
    return matrix;
  }

  async delete(id: string): Promise<boolean> {
    const file = this.fileOf(id);
    try {
      await readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    await rm(file, { force: true });
    return true;
  }

  private async read(id: string): Promise<RunMatrix | undefined> {
    const file = this.fileOf(id);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw damaged(file, 'it is not valid JSON');
    }
    if (!isRunMatrix(json) || json.id !== id) throw damaged(file, 'it does not hold a run matrix');
    return json;
  }

  private fileOf(id: string): string {
    // The id names a file: refuse anything that could step outside the folder.
    if (!RunId.safeParse(id).success) throw new AppError('invalid-input', `"${id.slice(0, 80)}" is not a run id.`, { hint: 'Use an id that runs:list (or multiarch-lab run --history) shows.' });
    return path.join(this.dir, `${id}.json`);
  }
}

export function summarize(m: RunMatrix): RunSummary {
  return {
    id: m.id,
    reference: m.reference,
    digest: m.digest,
    startedAt: m.startedAt,
    durationMs: m.durationMs,
    platforms: m.runs.map((r) => r.platform),
    summary: m.summary,
    ok: m.ok,
  };
}

function isRunMatrix(value: unknown): value is RunMatrix {
  if (!value || typeof value !== 'object') return false;
  const v = value as Partial<RunMatrix>;
  return typeof v.id === 'string' && typeof v.reference === 'string' && typeof v.startedAt === 'string' && Array.isArray(v.runs) && typeof v.summary === 'object';
}

function notFound(id: string): AppError {
  return new AppError('not-found', `There is no saved run ${id}.`, { hint: 'List the saved runs (multiarch-lab run --history) and use one of their ids.' });
}

function damaged(file: string, why: string): AppError {
  return new AppError('internal', `The saved run ${file} cannot be read: ${why}.`, { hint: 'Delete the file; the other saved runs are not affected.' });
}
