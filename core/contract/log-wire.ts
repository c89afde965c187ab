/**
 * Build log lines as they travel over browser mode's WebSocket: packed, not one JSON object per line.
 * A verbose build prints 100,000 lines; as objects they weigh about twice their text (the keys, and the platform
 * and step repeated on every line), and receiving and parsing those bytes is what a browser spends its time on.
 * Packed, each distinct (platform, step, stream) of a batch is listed once, and a line is that kind's index and
 * its text. The server packs (server/protocol.ts), the renderer's WebSocket client unpacks; the core and the
 * Electron front never see this form.
 */
import type { BuildLogLine } from './build.js';

/** Every field of a line but its text; null for an absent platform or step. */
export type LogLineKind = [platform: string | null, step: string | null, stream: BuildLogLine['stream']];

export interface PackedLogLines {
  /** The distinct kinds of the batch's lines, in the order they first appear. */
  kinds: LogLineKind[];
  /** Per line, its kind: an index into `kinds`. */
  k: number[];
  /** Per line, its text. */
  t: string[];
}

export function packLogLines(lines: readonly BuildLogLine[]): PackedLogLines {
  const kinds: LogLineKind[] = [];
  // platform -> step -> stream -> kind index, so a line costs three map lookups and no string building
  const index = new Map<string | null, Map<string | null, number[]>>();
  const k = new Array<number>(lines.length);
  const t = new Array<string>(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const platform = line.platform ?? null;
    const step = line.step ?? null;
    let bySteps = index.get(platform);
    if (!bySteps) index.set(platform, (bySteps = new Map()));
    let byStream = bySteps.get(step);
    if (!byStream) bySteps.set(step, (byStream = []));
    let kind = byStream[line.stream];
    if (kind === undefined) {
      kind = kinds.length;
      kinds.push([platform, step, line.stream]);
      byStream[line.stream] = kind;
    }
    k[i] = kind;
    t[i] = line.text;
  }
  return { kinds, k, t };
}

/** The lines back, as the core emitted them; null when `packed` is not a well-formed batch (it is then dropped). */
export function unpackLogLines(packed: unknown): BuildLogLine[] | null {
  if (!packed || typeof packed !== 'object') return null;
  const { kinds, k, t } = packed as Partial<PackedLogLines>;
  if (!Array.isArray(kinds) || !Array.isArray(k) || !Array.isArray(t) || k.length !== t.length) return null;
  // one template per kind, checked once; a line is a copy of its template with its text
  const templates: Array<Omit<BuildLogLine, 'text'>> = [];
  for (const kind of kinds) {
    if (!Array.isArray(kind)) return null;
    const [platform, step, stream] = kind as unknown[];
    if (stream !== 0 && stream !== 1 && stream !== 2) return null;
    if ((platform !== null && typeof platform !== 'string') || (step !== null && typeof step !== 'string')) return null;
    const template: Omit<BuildLogLine, 'text'> = { stream };
    if (platform !== null) template.platform = platform;
    if (step !== null) template.step = step;
    templates.push(template);
  }
  const lines = new Array<BuildLogLine>(k.length);
  for (let i = 0; i < k.length; i++) {
    const template = templates[k[i] as number];
    const text = t[i];
    if (!template || typeof text !== 'string') return null;
    const line: BuildLogLine = { stream: template.stream, text };
    if (template.platform !== undefined) line.platform = template.platform;
    if (template.step !== undefined) line.step = template.step;
    lines[i] = line;
  }
  return lines;
}
