/**
 * Streams a build to the fronts without flooding them: log lines go out in batches (`build:log`), the
 * per-platform state at most a few times a second (`build:progress`), and the task's steps follow the
 * Dockerfile steps of each platform. Keeps the last lines for the result.
 */
import type { BuildLogLine, BuildMode, BuildStepState, PlatformProgress } from '../contract/build.js';
import type { StepState } from '../contract/tasks.js';
import type { EventBus } from '../events.js';
import type { TaskHandle } from '../tasks.js';

const LOG_FLUSH_MS = 100;
const LOG_BATCH_MAX = 500;
const PROGRESS_INTERVAL_MS = 250;
export const LOG_TAIL_LINES = 200;

export function taskStepState(state: BuildStepState): StepState {
  switch (state) {
    case 'waiting':
      return 'pending';
    case 'running':
      return 'running';
    case 'cached':
    case 'done':
      return 'done';
    case 'error':
      return 'failed';
    case 'cancelled':
      return 'cancelled';
  }
}

export class BuildReporter {
  private batch: BuildLogLine[] = [];
  private readonly tail: BuildLogLine[] = [];
  private count = 0;
  private logTimer: NodeJS.Timeout | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  private lastProgressAt = 0;
  private pendingProgress: (() => PlatformProgress[]) | undefined;
  /** Task step id → last state sent, so unchanged steps are not re-published. */
  private readonly stepStates = new Map<string, string>();
  private closed = false;

  constructor(
    private readonly events: EventBus,
    private readonly task: TaskHandle,
    private readonly mode: BuildMode,
    /** Platforms that have a summary task step `platform:<platform>`. */
    private readonly platformSteps: readonly string[] = [],
  ) {}

  get lineCount(): number {
    return this.count;
  }

  logTail(): BuildLogLine[] {
    return [...this.tail];
  }

  log(line: BuildLogLine): void {
    this.count++;
    this.tail.push(line);
    if (this.tail.length > LOG_TAIL_LINES) this.tail.shift();
    if (this.closed) return;
    this.batch.push(line);
    if (this.batch.length >= LOG_BATCH_MAX) this.flushLogs();
    else if (!this.logTimer) {
      this.logTimer = setTimeout(() => this.flushLogs(), LOG_FLUSH_MS);
      this.logTimer.unref?.();
    }
  }

  /** A line of the app's own (warnings, what it is doing), in the same log. */
  note(text: string, platform?: string): void {
    this.log({ stream: 0, text, ...(platform ? { platform } : {}) });
  }

  /** Asks for a progress event; sent now or at the end of the current interval, with the newest state. */
  progress(snapshot: () => PlatformProgress[]): void {
    if (this.closed) return;
    this.pendingProgress = snapshot;
    const wait = this.lastProgressAt + PROGRESS_INTERVAL_MS - Date.now();
    if (wait <= 0) this.sendProgress();
    else if (!this.progressTimer) {
      this.progressTimer = setTimeout(() => this.sendProgress(), wait);
      this.progressTimer.unref?.();
    }
  }

  /**
   * Mirrors Dockerfile steps as task steps (`linux/arm64 2/3 RUN …`), added as BuildKit reveals them,
   * and each platform's summary step.
   */
  private syncSteps(platforms: PlatformProgress[], prefix = 'step'): void {
    for (const p of platforms) {
      if (this.platformSteps.includes(p.platform)) this.setStep(`platform:${p.platform}`, p.state);
      for (const s of p.steps) {
        const id = `${prefix}:${p.platform}:${s.stage ?? ''}:${s.index ?? s.name}`;
        const known = this.stepStates.get(id);
        const signature = `${s.state}`;
        if (known === signature) continue;
        if (known === undefined) {
          const count = s.index !== undefined && s.total !== undefined ? ` ${s.index}/${s.total}` : '';
          this.task.addStep({ id, title: `${p.platform}${s.stage ? ` ${s.stage}` : ''}${count} ${s.name}` });
        }
        this.stepStates.set(id, signature);
        if (s.state !== 'waiting') this.task.step(id, taskStepState(s.state), s.state === 'cached' ? 'cached' : undefined);
      }
    }
  }

  private setStep(id: string, state: BuildStepState): void {
    if (this.stepStates.get(id) === state || state === 'waiting') return;
    this.stepStates.set(id, state);
    this.task.step(id, taskStepState(state), state === 'cached' ? 'cached' : undefined);
  }

  /** Sends what is pending and stops timers. */
  close(final?: PlatformProgress[]): void {
    if (final) this.pendingProgress = () => final;
    this.flushLogs();
    if (this.pendingProgress) this.sendProgress();
    this.closed = true;
    if (this.logTimer) clearTimeout(this.logTimer);
    if (this.progressTimer) clearTimeout(this.progressTimer);
  }

  private flushLogs(): void {
    if (this.logTimer) clearTimeout(this.logTimer);
    this.logTimer = undefined;
    if (this.batch.length === 0) return;
    const lines = this.batch;
    this.batch = [];
    this.events.emit('build:log', { taskId: this.task.id, lines });
  }

  private sendProgress(): void {
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
    const snapshot = this.pendingProgress;
    this.pendingProgress = undefined;
    if (!snapshot) return;
    this.lastProgressAt = Date.now();
    const platforms = snapshot();
    this.events.emit('build:progress', { taskId: this.task.id, mode: this.mode, platforms });
    this.syncSteps(platforms);
    const steps = platforms.flatMap((p) => p.steps);
    const running = platforms.flatMap((p) => p.steps.filter((s) => s.state === 'running').map((s) => `${p.platform}: ${s.name}`));
    this.task.progress({
      current: platforms.reduce((n, p) => n + p.finished, 0),
      total: steps.length,
      unit: 'steps',
      ...(running.length ? { message: running.slice(0, 3).join('; ') } : {}),
    });
  }
}
