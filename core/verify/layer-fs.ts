/**
 * An image's filesystem as metadata only: layers applied in order with OCI whiteouts (`.wh.NAME` removes
 * NAME from the layers below, `.wh..wh..opq` empties a directory of what the layers below put there),
 * symlinks and hard links kept as links, and for executable files only what their first bytes said.
 * No file content is held, so a large image fits in a few megabytes.
 */
import type { ExecContent } from '../contract/verify.js';

export type FsEntryKind = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

export interface LayerEntry {
  /** Absolute, normalised: "/usr/bin/env". */
  path: string;
  kind: FsEntryKind | 'whiteout' | 'opaque';
  mode: number;
  size: number;
  uid: number;
  gid: number;
  mtime: number;
  /** Symlink target as written, or the hard link's target path (absolute). */
  link?: string;
  /** What the file's first bytes are, for files the capture looked at. */
  content?: ExecContent;
}

export type FsEntry = Omit<LayerEntry, 'kind'> & { kind: FsEntryKind; /** The layer (index) that last wrote it. */ layer: number };

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

/** Turns a tar path into a layer entry kind, recognising whiteout files. */
export function whiteoutOf(path: string): { kind: 'whiteout'; target: string } | { kind: 'opaque'; dir: string } | undefined {
  const slash = path.lastIndexOf('/');
  const dir = slash <= 0 ? '/' : path.slice(0, slash);
  const base = path.slice(slash + 1);
  if (base === OPAQUE_MARKER) return { kind: 'opaque', dir };
  if (base.startsWith(WHITEOUT_PREFIX)) {
    const name = base.slice(WHITEOUT_PREFIX.length);
    return { kind: 'whiteout', target: dir === '/' ? `/${name}` : `${dir}/${name}` };
  }
  return undefined;
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

export class LayerFs {
  readonly entries = new Map<string, FsEntry>();
  private layers = 0;

  get layerCount(): number {
    return this.layers;
  }

  /** Applies one layer's entries on top of what is there. */
  apply(entries: readonly LayerEntry[]): void {
    const layer = this.layers++;
    // whiteouts act on the layers below only, so they go first
    for (const e of entries) {
      if (e.kind === 'whiteout') this.removeTree(e.path);
      else if (e.kind === 'opaque') this.removeChildren(e.path);
    }
    for (const e of entries) {
      if (e.kind === 'whiteout' || e.kind === 'opaque') continue;
      const existing = this.entries.get(e.path);
      // a non-directory over a directory replaces the whole subtree
      if (existing?.kind === 'dir' && e.kind !== 'dir') this.removeChildren(e.path);
      this.entries.set(e.path, { ...e, kind: e.kind, layer });
      this.ensureParents(e.path, layer);
    }
  }

  private ensureParents(path: string, layer: number): void {
    for (let p = parentOf(path); p !== '/'; p = parentOf(p)) {
      const existing = this.entries.get(p);
      if (existing?.kind === 'dir') return;
      if (!existing) this.entries.set(p, { path: p, kind: 'dir', mode: 0o755, size: 0, uid: 0, gid: 0, mtime: 0, layer });
      else return;
    }
  }

  private removeTree(path: string): void {
    this.entries.delete(path);
    this.removeChildren(path);
  }

  private removeChildren(dir: string): void {
    const prefix = dir === '/' ? '/' : `${dir}/`;
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix) && key !== dir) this.entries.delete(key);
  }

  /**
   * Follows symlinks inside the image, as the kernel would inside the container's root: absolute targets
   * start at the image root, `..` never leaves it. Hard links are followed to the file holding the data.
   */
  resolve(path: string, followLast = true): { path: string; entry: FsEntry | undefined; error?: string } {
    let hops = 0;
    const parts = path.split('/').filter((p) => p && p !== '.');
    const done: string[] = [];
    while (parts.length) {
      const part = parts.shift()!;
      if (part === '..') {
        done.pop();
        continue;
      }
      done.push(part);
      const current = `/${done.join('/')}`;
      const entry = this.entries.get(current);
      if (entry?.kind === 'symlink' && (parts.length > 0 || followLast)) {
        if (++hops > 40) return { path: current, entry: undefined, error: 'too many levels of symbolic links' };
        const target = entry.link ?? '';
        done.pop();
        if (target.startsWith('/')) done.length = 0;
        parts.unshift(...target.split('/').filter((p) => p && p !== '.'));
        continue;
      }
      if (parts.length > 0 && entry && entry.kind !== 'dir') return { path: current, entry: undefined, error: `${current} is not a directory` };
      if (parts.length > 0 && !entry) return { path: `/${[...done, ...parts].join('/')}`, entry: undefined };
    }
    const finalPath = `/${done.join('/')}`;
    let entry = this.entries.get(finalPath);
    if (entry?.kind === 'hardlink' && entry.link) {
      const target = this.entries.get(entry.link);
      if (target) entry = { ...target, path: finalPath, mode: entry.mode };
    }
    return { path: finalPath, entry };
  }

  /** Regular files (hard links resolved) under any of these directories, directly inside them. */
  filesIn(dirs: readonly string[]): FsEntry[] {
    const out: FsEntry[] = [];
    const wanted = new Set(dirs);
    for (const e of this.entries.values()) {
      if ((e.kind === 'file' || e.kind === 'hardlink') && wanted.has(parentOf(e.path))) {
        const r = this.resolve(e.path);
        if (r.entry) out.push(r.entry);
      }
    }
    return out;
  }
}
