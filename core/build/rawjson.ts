/**
 * Reads `docker buildx build --progress=rawjson` into structure. buildx writes BuildKit's SolveStatus
 * messages to stderr as JSON objects (indented over many lines, or one per line in other versions),
 * and after them, as plain text, the Dockerfile excerpt and the `ERROR:` line of a failed build.
 * Everything here is pure: lines in, state out; no clock, no I/O.
 */
import type {
  BuildLogLine,
  BuildStepProgress,
  BuildStepState,
  DockerfileErrorLine,
  PlatformProgress,
} from '../contract/build.js';

export interface RawVertex {
  digest: string;
  inputs?: string[];
  name?: string;
  started?: string;
  completed?: string;
  cached?: boolean;
  error?: string;
}

export interface RawVertexStatus {
  id: string;
  vertex: string;
  name?: string;
  current?: number;
  total?: number;
  timestamp?: string;
  started?: string;
  completed?: string;
}

export interface RawVertexLog {
  vertex: string;
  stream?: number;
  /** base64 */
  data?: string;
  timestamp?: string;
}

export interface RawVertexWarning {
  vertex: string;
  level?: number;
  /** base64 */
  short?: string;
}

export interface SolveStatus {
  vertexes?: RawVertex[];
  statuses?: RawVertexStatus[];
  logs?: RawVertexLog[];
  warnings?: RawVertexWarning[];
}

/**
 * Splits a stream of lines into whole JSON objects and the plain text lines between them.
 * Tracks braces outside strings, so both indented and one-line JSON work.
 */
export class JsonObjectSplitter {
  private buffer = '';
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(
    private readonly onObject: (value: unknown) => void,
    private readonly onText: (line: string) => void,
  ) {}

  pushLine(line: string): void {
    if (this.depth === 0 && !line.trimStart().startsWith('{')) {
      this.onText(line);
      return;
    }
    let start = 0;
    if (this.depth === 0) start = line.indexOf('{');
    for (let i = start; i < line.length; i++) {
      const c = line[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"') this.inString = true;
      else if (c === '{') this.depth++;
      else if (c === '}') {
        this.depth--;
        if (this.depth === 0) {
          this.buffer += line.slice(start, i + 1);
          this.emit();
          const rest = line.slice(i + 1);
          if (rest.trim()) this.pushLine(rest);
          return;
        }
      }
    }
    this.buffer += `${line.slice(start)}\n`;
  }

  /** Whatever is left unbalanced at the end is not JSON: hand it back as text. */
  end(): void {
    if (this.buffer) for (const l of this.buffer.split('\n').filter(Boolean)) this.onText(l);
    this.reset();
  }

  private emit(): void {
    const text = this.buffer;
    this.reset();
    try {
      this.onObject(JSON.parse(text));
    } catch {
      for (const l of text.split('\n')) this.onText(l);
    }
  }

  private reset(): void {
    this.buffer = '';
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }
}

export interface VertexName {
  /** os/arch[/variant] of the image this step is for, when BuildKit prefixed it (multi-platform builds). */
  platform?: string;
  /**
   * The platform the step runs as when it differs from the target: a `FROM --platform=$BUILDPLATFORM` stage
   * building for arm64 on amd64 is named `[linux/amd64->arm64 build 2/2]`, so this is linux/amd64.
   */
  runsAs?: string;
  stage?: string;
  index?: number;
  total?: number;
  /** BuildKit's own work (`[internal] load .dockerignore`), not a Dockerfile step. */
  internal: boolean;
  /** The text after the bracket, e.g. `RUN chmod +x /hello.sh`. */
  instruction: string;
}

const PLATFORM_TOKEN = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/;
const STEP_TOKEN = /^(\d+)\/(\d+)$/;
/** `linux/amd64->arm64`, `linux/amd64->arm/v7`, `linux/amd64->windows/amd64`: runs as the first, builds for the second. */
const CROSS_TOKEN = /^([a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?)->([a-z0-9_]+(?:\/[a-z0-9_]+){0,2})$/;

/** BuildKit writes only the architecture (and variant) after `->` when the OS is the same. */
function crossTarget(runsAs: string, target: string): string {
  const os = runsAs.split('/')[0] ?? 'linux';
  const parts = target.split('/');
  // arch or arch/variant keep the OS of the step; os/arch[/variant] names it
  if (parts.length === 1 || (parts.length === 2 && /^v\d+$/.test(parts[1] ?? ''))) return `${os}/${target}`;
  return target;
}

/** `[linux/arm64 builder 2/3] RUN make` → platform, stage, 2 of 3, the instruction. */
export function parseVertexName(name: string): VertexName {
  const m = /^\[([^\]]*)\]\s*(.*)$/s.exec(name);
  if (!m) return { internal: false, instruction: name };
  const tokens = (m[1] ?? '').trim().split(/\s+/).filter(Boolean);
  const out: VertexName = { internal: false, instruction: m[2] ?? '' };
  const cross = tokens[0] ? CROSS_TOKEN.exec(tokens[0]) : null;
  if (cross?.[1] && cross[2]) {
    tokens.shift();
    out.runsAs = cross[1];
    out.platform = crossTarget(cross[1], cross[2]);
  } else if (tokens[0] && PLATFORM_TOKEN.test(tokens[0]) && !STEP_TOKEN.test(tokens[0])) out.platform = tokens.shift();
  const last = tokens[tokens.length - 1];
  const step = last ? STEP_TOKEN.exec(last) : null;
  if (step) {
    tokens.pop();
    out.index = Number(step[1]);
    out.total = Number(step[2]);
  } else if (last === 'internal') {
    tokens.pop();
    out.internal = true;
  } else if (last !== undefined) {
    // `[auth] …` and the like: BuildKit's own work with a tag of its choosing
    tokens.pop();
    out.internal = true;
  }
  if (tokens.length) out.stage = tokens.join(' ');
  return out;
}

/** Where a failed build points in the Dockerfile, from the text buildx prints after the progress. */
export function parseDockerfileError(lines: readonly string[]): DockerfileErrorLine | undefined {
  for (let i = 0; i < lines.length; i++) {
    const head = /^\s*([^\s:][^\s]*?):(\d+)\s*$/.exec(lines[i] ?? '');
    if (!head || !/^-{4,}\s*$/.test(lines[i + 1] ?? '')) continue;
    const line = Number(head[2]);
    const context: string[] = [];
    let text: string | undefined;
    for (let j = i + 2; j < lines.length; j++) {
      const l = lines[j] ?? '';
      if (/^-{4,}\s*$/.test(l)) break;
      context.push(l);
      const numbered = /^\s*>?\s*(\d+)\s*\|\s?(.*)$/.exec(l);
      if (numbered && Number(numbered[1]) === line) text = stripMarker(numbered[2] ?? '');
    }
    const out: DockerfileErrorLine = { line, text: text ?? '', file: head[1] ?? 'Dockerfile' };
    if (context.length) out.context = context;
    return out;
  }
  // Parse errors sometimes come without an excerpt: "dockerfile parse error on line 3: …"
  for (const l of lines) {
    const m = /(?:parse error|error) on line (\d+)/i.exec(l);
    if (m) return { line: Number(m[1]), text: '' };
  }
  return undefined;
}

function stripMarker(rest: string): string {
  // buildx prints a 3-character marker column (`>>>` on the failing line) and a space before the line
  if (rest.startsWith('>>> ')) return rest.slice(4);
  if (rest.startsWith('    ')) return rest.slice(4);
  return rest.replace(/^>>>\s?/, '');
}

/** The `ERROR: …` text buildx prints last, without the prefix. */
export function parseErrorLine(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^(?:ERROR|error):\s*(.*)$/.exec(lines[i] ?? '');
    if (m) return m[1]?.trim() || undefined;
  }
  return undefined;
}

function time(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  // BuildKit sends the zero time for "not yet"
  return Number.isFinite(t) && t > 0 ? t : undefined;
}

function decodeBase64(data: string | undefined): string {
  return data ? Buffer.from(data, 'base64').toString('utf8') : '';
}

interface VertexState {
  digest: string;
  name: string;
  parsed: VertexName;
  platform?: string;
  startedAt?: number;
  endedAt?: number;
  cached: boolean;
  error?: string;
  order: number;
  logLines: number;
  inputs: string[];
  statuses: Map<string, { current: number; total?: number }>;
  /** Which of its lines the log already holds: the step's name, then how it ended. */
  said?: { name?: boolean; end?: boolean };
}

export interface TrackerOptions {
  /** The platforms asked for, in order; steps of other platforms are still shown, after these. */
  platforms: readonly string[];
  /** Single-platform builds carry no platform in step names: their steps belong to this one. */
  defaultPlatform?: string;
  /** Every log line, as it completes. */
  onLog?: (line: BuildLogLine) => void;
}

/** Lines BuildKit prints when a step failed only because another one did. */
const CANCELLED_ERROR = /context canceled|context cancelled/i;

/**
 * Builds per-platform progress from rawjson lines: each Dockerfile step with its state and timing,
 * the log lines of each step, and on failure the Dockerfile line that broke.
 */
export class BuildProgressTracker {
  private readonly vertexes = new Map<string, VertexState>();
  private readonly partialLogs = new Map<string, string>();
  private readonly text: string[] = [];
  private readonly splitter: JsonObjectSplitter;
  private readonly stageOrder = new Map<string, number>();
  private outcome: 'running' | 'succeeded' | 'failed' | 'cancelled' = 'running';
  private changes = 0;
  private messages = 0;

  constructor(private readonly options: TrackerOptions) {
    this.splitter = new JsonObjectSplitter(
      (value) => this.apply(value as SolveStatus),
      (line) => {
        if (line.trim()) this.text.push(line);
      },
    );
  }

  /** One stderr line of `buildx build --progress=rawjson`. */
  pushLine(line: string): void {
    this.splitter.pushLine(line);
  }

  /** How many state changes have happened; callers compare it to know when to publish. */
  get version(): number {
    return this.changes;
  }

  /** How many SolveStatus messages were read. */
  get messageCount(): number {
    return this.messages;
  }

  apply(status: SolveStatus): void {
    if (!status || typeof status !== 'object') return;
    this.messages++;
    for (const v of status.vertexes ?? []) this.applyVertex(v);
    for (const s of status.statuses ?? []) this.applyStatus(s);
    for (const l of status.logs ?? []) this.applyLog(l);
    this.changes++;
  }

  /** Ends the stream: flushes partial log lines and settles steps still marked running. */
  finish(outcome: 'succeeded' | 'failed' | 'cancelled'): void {
    this.splitter.end();
    for (const key of [...this.partialLogs.keys()]) this.flushLog(key);
    this.outcome = outcome;
    this.changes++;
  }

  /** Plain text buildx printed besides the JSON (the error excerpt, warnings). */
  textLines(): string[] {
    return [...this.text];
  }

  dockerfileError(): DockerfileErrorLine | undefined {
    return parseDockerfileError(this.text);
  }

  /** What went wrong: the `ERROR:` line, else the first step error that is not a knock-on cancellation. */
  errorMessage(): string | undefined {
    return parseErrorLine(this.text) ?? this.failedVertex()?.error;
  }

  /** The step that failed first (by end time), ignoring steps cancelled because of it. */
  failedStep(): { platform?: string; step: string } | undefined {
    const v = this.failedVertex();
    if (!v) return undefined;
    return { ...(v.platform ? { platform: v.platform } : {}), step: v.parsed.instruction || v.name };
  }

  platforms(): PlatformProgress[] {
    const byPlatform = new Map<string, VertexState[]>();
    for (const p of this.options.platforms) byPlatform.set(p, []);
    for (const v of this.stepVertexes()) {
      const list = byPlatform.get(v.platform!) ?? [];
      list.push(v);
      byPlatform.set(v.platform!, list);
    }
    const out: PlatformProgress[] = [];
    for (const [platform, list] of byPlatform) {
      list.sort((a, b) => this.stageRank(a) - this.stageRank(b) || (a.parsed.index ?? 0) - (b.parsed.index ?? 0) || a.order - b.order);
      const steps = list.map((v) => this.stepOf(v));
      const finished = steps.filter((s) => s.state === 'done' || s.state === 'cached').length;
      const starts = steps.map((s) => s.startedAt).filter((t): t is number => t !== undefined);
      const ends = steps.map((s) => s.endedAt).filter((t): t is number => t !== undefined);
      const p: PlatformProgress = { platform, state: this.platformState(steps), steps, finished };
      if (starts.length) p.startedAt = Math.min(...starts);
      if (p.state !== 'running' && p.state !== 'waiting' && ends.length) p.endedAt = Math.max(...ends);
      out.push(p);
    }
    return out;
  }

  /**
   * One vertex per Dockerfile step of each platform. BuildKit shares identical work between builds running
   * at the same time, so the progress can name the same step twice (say, FROM through another registry
   * address with the same digest); ours is the one the next step takes as input, else the newest.
   */
  private stepVertexes(): VertexState[] {
    const referenced = new Set<string>();
    for (const v of this.vertexes.values()) for (const i of v.inputs) referenced.add(i);
    const chosen = new Map<string, VertexState>();
    for (const v of this.vertexes.values()) {
      this.inheritPlatform(v);
      if (!v.platform || v.parsed.internal || v.parsed.index === undefined) continue;
      const key = `${v.platform}\u0000${v.parsed.stage ?? ''}\u0000${v.parsed.index}`;
      const current = chosen.get(key);
      if (!current) {
        chosen.set(key, v);
        continue;
      }
      const mine = referenced.has(v.digest);
      const theirs = referenced.has(current.digest);
      if ((mine && !theirs) || (mine === theirs && v.order > current.order)) chosen.set(key, v);
    }
    return [...chosen.values()];
  }

  /**
   * A builder with several nodes gives each node a one-platform build, and BuildKit then leaves the platform out
   * of some step names (`[2/2] RUN …`) while the step before still carries it (`[linux/arm64 1/2] COPY …`).
   * Such a step belongs to the platform of the steps it takes as input, when they agree on one.
   */
  private inheritPlatform(v: VertexState, depth = 0): string | undefined {
    if (v.platform || depth > 64) return v.platform;
    if (v.parsed.internal || v.parsed.index === undefined) return undefined;
    const found = new Set<string>();
    for (const i of v.inputs) {
      const input = this.vertexes.get(i);
      const p = input ? this.inheritPlatform(input, depth + 1) : undefined;
      if (p) found.add(p);
    }
    if (found.size === 1) v.platform = [...found][0];
    return v.platform;
  }

  private stageRank(v: VertexState): number {
    return this.stageOrder.get(v.parsed.stage ?? '') ?? 0;
  }

  private platformState(steps: BuildStepProgress[]): BuildStepState {
    if (steps.some((s) => s.state === 'error')) return 'error';
    if (steps.some((s) => s.state === 'running')) return this.outcome === 'running' ? 'running' : this.outcome === 'cancelled' ? 'cancelled' : 'error';
    if (this.outcome === 'cancelled' && steps.some((s) => s.state === 'cancelled' || s.state === 'waiting')) return 'cancelled';
    if (steps.some((s) => s.state === 'cancelled')) return 'cancelled';
    if (steps.length === 0) return this.outcome === 'running' ? 'waiting' : this.outcome === 'succeeded' ? 'done' : this.outcome === 'cancelled' ? 'cancelled' : 'error';
    // BuildKit numbers steps of each stage; until the last one is seen more may come
    const last = steps[steps.length - 1];
    const complete = last?.index !== undefined && last.total !== undefined && last.index >= last.total;
    if (this.outcome === 'running') return complete ? (steps.every((s) => s.state === 'cached') ? 'cached' : 'done') : 'running';
    if (this.outcome === 'succeeded') return steps.every((s) => s.state === 'cached') ? 'cached' : 'done';
    return this.outcome === 'cancelled' ? 'cancelled' : 'error';
  }

  private stepOf(v: VertexState): BuildStepProgress {
    const state = this.vertexState(v);
    const step: BuildStepProgress = { name: v.parsed.instruction || v.name, state, cached: v.cached || state === 'cached', logLines: v.logLines };
    if (v.parsed.runsAs) step.runsAs = v.parsed.runsAs;
    if (v.parsed.index !== undefined) step.index = v.parsed.index;
    if (v.parsed.total !== undefined) step.total = v.parsed.total;
    if (v.parsed.stage) step.stage = v.parsed.stage;
    if (v.startedAt !== undefined) step.startedAt = v.startedAt;
    if (v.endedAt !== undefined) step.endedAt = v.endedAt;
    if (v.error) step.error = v.error;
    if (v.statuses.size) {
      let current = 0;
      let total = 0;
      let totalKnown = true;
      for (const s of v.statuses.values()) {
        current += s.current;
        if (s.total === undefined) totalKnown = false;
        else total += s.total;
      }
      step.current = current;
      if (totalKnown && total > 0) step.totalBytes = total;
    }
    return step;
  }

  private vertexState(v: VertexState): BuildStepState {
    if (v.error) return CANCELLED_ERROR.test(v.error) ? 'cancelled' : 'error';
    if (v.cached) return 'cached';
    if (v.endedAt !== undefined) return 'done';
    if (v.startedAt !== undefined) return this.outcome === 'running' ? 'running' : this.outcome === 'succeeded' ? 'done' : 'cancelled';
    // a build that succeeded never needed this step's own work (a later step came from the cache): it ends as cached, not waiting
    if (this.outcome === 'succeeded') return 'cached';
    return this.outcome === 'running' ? 'waiting' : 'cancelled';
  }

  private failedVertex(): VertexState | undefined {
    const failed = [...this.vertexes.values()].filter((v) => v.error && !CANCELLED_ERROR.test(v.error));
    const pool = failed.length ? failed : [...this.vertexes.values()].filter((v) => v.error);
    pool.sort((a, b) => (a.endedAt ?? Infinity) - (b.endedAt ?? Infinity) || a.order - b.order);
    return pool[0];
  }

  private applyVertex(raw: RawVertex): void {
    if (!raw || typeof raw.digest !== 'string') return;
    let v = this.vertexes.get(raw.digest);
    if (!v) {
      const name = raw.name ?? raw.digest;
      const parsed = parseVertexName(name);
      const platform = parsed.platform ?? (!parsed.internal && parsed.index !== undefined ? this.options.defaultPlatform : undefined);
      v = { digest: raw.digest, name, parsed, cached: false, order: this.vertexes.size, logLines: 0, inputs: [], statuses: new Map() };
      if (platform) v.platform = platform;
      if (!parsed.internal && parsed.index !== undefined && !this.stageOrder.has(parsed.stage ?? '')) this.stageOrder.set(parsed.stage ?? '', this.stageOrder.size);
      this.vertexes.set(raw.digest, v);
    }
    const started = time(raw.started);
    const completed = time(raw.completed);
    // A vertex can start again after it completed (BuildKit re-runs the loading of the definition): keep the first start
    if (started !== undefined && (v.startedAt === undefined || started < v.startedAt)) v.startedAt = started;
    if (completed !== undefined) v.endedAt = completed;
    else if (started !== undefined && v.endedAt !== undefined && started > v.endedAt) delete v.endedAt;
    if (raw.cached) v.cached = true;
    if (raw.error) v.error = raw.error;
    if (Array.isArray(raw.inputs)) v.inputs = raw.inputs.filter((i): i is string => typeof i === 'string');
    this.sayProgress(v);
  }

  /**
   * The log holds BuildKit's account of every step, as its plain progress prints it (`#3 [linux/arm64 2/3] COPY …`,
   * `#3 CACHED`, `#3 DONE 0.4s`), not only what the steps themselves printed: a quiet build still leaves a log.
   */
  private sayProgress(v: VertexState): void {
    const said = (v.said ??= {});
    const started = v.startedAt !== undefined || v.cached || v.endedAt !== undefined;
    if (!started || said.end) return;
    const n = `#${v.order + 1}`;
    const line = (text: string, stream: 1 | 2 = 1) => {
      const out: BuildLogLine = { stream, text };
      if (v.platform) out.platform = v.platform;
      out.step = v.parsed.instruction || v.name;
      this.options.onLog?.(out);
    };
    if (!said.name) {
      said.name = true;
      line(`${n} ${v.name}`);
    }
    if (v.error) {
      said.end = true;
      line(`${n} ERROR: ${v.error}`, 2);
    } else if (v.cached) {
      said.end = true;
      line(`${n} CACHED`);
    } else if (v.endedAt !== undefined && v.startedAt !== undefined) {
      said.end = true;
      line(`${n} DONE ${((v.endedAt - v.startedAt) / 1000).toFixed(1)}s`);
    }
  }

  private applyStatus(raw: RawVertexStatus): void {
    const v = raw && this.vertexes.get(raw.vertex);
    if (!v || typeof raw.id !== 'string') return;
    const entry: { current: number; total?: number } = { current: typeof raw.current === 'number' ? raw.current : 0 };
    if (typeof raw.total === 'number' && raw.total > 0) entry.total = raw.total;
    v.statuses.set(raw.id, entry);
  }

  private applyLog(raw: RawVertexLog): void {
    if (!raw || typeof raw.vertex !== 'string') return;
    const stream = raw.stream === 2 ? 2 : 1;
    const key = `${raw.vertex}\u0000${stream}`;
    const text = (this.partialLogs.get(key) ?? '') + decodeBase64(raw.data);
    const parts = text.split('\n');
    this.partialLogs.set(key, parts.pop() ?? '');
    for (const part of parts) this.emitLog(raw.vertex, stream, part.replace(/\r$/, ''));
  }

  private flushLog(key: string): void {
    const rest = this.partialLogs.get(key);
    this.partialLogs.delete(key);
    if (!rest) return;
    const [vertex, stream] = key.split('\u0000');
    this.emitLog(vertex ?? '', stream === '2' ? 2 : 1, rest.replace(/\r$/, ''));
  }

  private emitLog(vertex: string, stream: 1 | 2, text: string): void {
    const v = this.vertexes.get(vertex);
    if (v) {
      v.logLines++;
      this.inheritPlatform(v);
    }
    const line: BuildLogLine = { stream, text };
    if (v?.platform) line.platform = v.platform;
    if (v) line.step = v.parsed.instruction || v.name;
    this.options.onLog?.(line);
  }
}
