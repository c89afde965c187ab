/**
 * The build history: one line of JSON per finished build in `<data folder>/build-history.jsonl`, so a user sees
 * the time per platform of a tag across builds (did the cache, a native node, cross-building pay off?).
 * Appending one short line is safe with several fronts on one data folder; a damaged line is skipped.
 */
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildHistoryEntry, BuildResult } from '../contract/build.js';

/** Old lines are dropped past this many, oldest first, so the file stays small. */
const KEEP = 2000;

export class BuildHistory {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'build-history.jsonl');
  }

  static entryOf(result: BuildResult, noCache: boolean, at: Date = new Date()): BuildHistoryEntry {
    return {
      at: at.toISOString(),
      reference: result.reference,
      mode: result.mode,
      builder: result.builder,
      noCache,
      digest: result.digest,
      totalMs: result.durations.totalMs,
      platforms: result.timing.platforms.map((p) => {
        const out: BuildHistoryEntry['platforms'][number] = {
          platform: p.platform,
          emulatedMs: p.emulatedMs,
          nativeMs: p.nativeMs,
          cachedSteps: p.cachedSteps,
          totalSteps: p.totalSteps,
          summary: p.summary,
        };
        if (p.node) out.node = p.node;
        if (p.nativePlatform) out.nativePlatform = p.nativePlatform;
        if (p.wallMs !== undefined) out.wallMs = p.wallMs;
        return out;
      }),
    };
  }

  async append(entry: BuildHistoryEntry): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    await appendFile(this.file, `${JSON.stringify(entry)}\n`, 'utf8');
    const lines = await this.lines();
    if (lines.length > KEEP) {
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, `${lines.slice(-KEEP).join('\n')}\n`, 'utf8');
      await rename(tmp, this.file);
    }
  }

  /** Newest first; only the given reference's builds when one is given. */
  async list(reference?: string, limit = 50): Promise<BuildHistoryEntry[]> {
    const out: BuildHistoryEntry[] = [];
    for (const line of (await this.lines()).reverse()) {
      let entry: BuildHistoryEntry;
      try {
        entry = JSON.parse(line) as BuildHistoryEntry;
      } catch {
        continue;
      }
      if (!entry || typeof entry.reference !== 'string' || !Array.isArray(entry.platforms)) continue;
      if (reference !== undefined && entry.reference !== reference) continue;
      out.push(entry);
      if (out.length >= limit) break;
    }
    return out;
  }

  private async lines(): Promise<string[]> {
    try {
      return (await readFile(this.file, 'utf8')).split('\n').filter((l) => l.trim());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}
