import { randomUUID } from 'node:crypto';
import { AppError, serializeError } from './contract/errors.js';
import type { StepState, TaskProgress, TaskSnapshot, TaskStep } from './contract/tasks.js';
import type { EventBus } from './events.js';
import type { TaskChannel } from './contract/channels.js';
import { taskKindOf } from './contract/channel-table.js';
import { currentCall } from './calls.js';

export interface StepSpec {
  id: string;
  title: string;
  command?: string[];
}

/** What a running task's body uses to report and to notice cancellation. */
export interface TaskHandle {
  readonly id: string;
  readonly signal: AbortSignal;
  step(id: string, state: StepState, detail?: string): void;
  addStep(spec: StepSpec): void;
  /** Replaces a step's command once what it stands for is known (a digest pushed by an earlier step). */
  stepCommand(id: string, command: string[]): void;
  progress(progress: TaskProgress): void;
  /** Throws a `cancelled` AppError when the task was cancelled. */
  throwIfCancelled(): void;
}

const KEEP_FINISHED = 50;

/** Long work as tasks: each has an id, steps, progress events and an AbortController. */
export class TaskManager {
  private readonly tasks = new Map<string, { snapshot: TaskSnapshot; controller: AbortController }>();
  /** Bodies still running, so closing the app can wait for the processes they started to end. */
  private readonly unsettled = new Set<Promise<unknown>>();

  constructor(private readonly events: EventBus) {}

  list(): TaskSnapshot[] {
    return [...this.tasks.values()].map((t) => structuredClone(t.snapshot));
  }

  get(id: string): TaskSnapshot | undefined {
    const t = this.tasks.get(id);
    return t ? structuredClone(t.snapshot) : undefined;
  }

  cancel(id: string): boolean {
    const t = this.tasks.get(id);
    if (!t || t.snapshot.state !== 'running') return false;
    t.controller.abort(new AppError('cancelled', `${t.snapshot.title} was cancelled.`));
    return true;
  }

  /** Cancels every running task and waits (at most `waitMs`) for their bodies, and the processes they started, to end. */
  async cancelAll(waitMs = 10_000): Promise<void> {
    for (const [id] of this.tasks) this.cancel(id);
    if (this.unsettled.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([Promise.allSettled([...this.unsettled]), deadline]);
    clearTimeout(timer);
  }

  /**
   * Runs `body` as the task of `channel` (its kind is the one the contract declares for that channel).
   * Resolves with its result; rejects with its error (a cancelled task rejects with a `cancelled` AppError).
   * Progress is published as `task:update` events. The task carries the id of the call it works for, and
   * that call's signal (the caller cancelled or went away) cancels it, as does the `outer` signal.
   */
  async run<R>(
    channel: TaskChannel,
    title: string,
    steps: StepSpec[],
    body: (task: TaskHandle) => Promise<R>,
    outer?: AbortSignal,
  ): Promise<R> {
    const id = randomUUID();
    const kind = taskKindOf(channel);
    const call = currentCall();
    const controller = new AbortController();
    const snapshot: TaskSnapshot = {
      id,
      kind,
      ...(call?.callId !== undefined ? { callId: call.callId } : {}),
      title,
      state: 'running',
      steps: steps.map((s) => ({ ...s, state: 'pending' as StepState })),
      startedAt: Date.now(),
    };
    this.tasks.set(id, { snapshot, controller });
    const linked = [...new Set([outer, call?.signal])].filter((s): s is AbortSignal => s !== undefined);
    const unlink = linked.map((signal) => {
      const onAbort = () => controller.abort(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      return () => signal.removeEventListener('abort', onAbort);
    });
    const publish = () => this.events.emit('task:update', structuredClone(snapshot));

    const handle: TaskHandle = {
      id,
      signal: controller.signal,
      step: (stepId, state, detail) => {
        const step = snapshot.steps.find((s) => s.id === stepId);
        if (!step) throw new Error(`task ${kind} has no step ${stepId}`);
        applyStepState(step, state);
        if (detail !== undefined) step.detail = detail;
        publish();
      },
      addStep: (spec) => {
        snapshot.steps.push({ ...spec, state: 'pending' });
        publish();
      },
      stepCommand: (stepId, command) => {
        const step = snapshot.steps.find((s) => s.id === stepId);
        if (!step) throw new Error(`task ${kind} has no step ${stepId}`);
        step.command = [...command];
        publish();
      },
      progress: (p) => {
        snapshot.progress = p;
        publish();
      },
      throwIfCancelled: () => {
        if (controller.signal.aborted) throw cancellation(controller.signal, title);
      },
    };

    publish();
    const running = body(handle);
    this.unsettled.add(running);
    void running.then(
      () => this.unsettled.delete(running),
      () => this.unsettled.delete(running),
    );
    try {
      const result = await running;
      if (controller.signal.aborted) throw cancellation(controller.signal, title);
      snapshot.state = 'succeeded';
      return result;
    } catch (error) {
      const cancelled = controller.signal.aborted;
      const err = cancelled ? cancellation(controller.signal, title) : error;
      snapshot.state = cancelled ? 'cancelled' : 'failed';
      snapshot.error = serializeError(err);
      for (const step of snapshot.steps) {
        if (step.state === 'running') applyStepState(step, cancelled ? 'cancelled' : 'failed');
      }
      throw err;
    } finally {
      for (const off of unlink) off();
      snapshot.endedAt = Date.now();
      publish();
      this.prune();
    }
  }

  private prune(): void {
    const finished = [...this.tasks.entries()].filter(([, t]) => t.snapshot.state !== 'running');
    for (const [id] of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.tasks.delete(id);
  }
}

function applyStepState(step: TaskStep, state: StepState): void {
  step.state = state;
  const now = Date.now();
  if (state === 'running') step.startedAt = now;
  if (state === 'done' || state === 'failed' || state === 'skipped' || state === 'cancelled') step.endedAt = now;
}

function cancellation(signal: AbortSignal, title: string): AppError {
  return signal.reason instanceof AppError && signal.reason.code === 'cancelled'
    ? signal.reason
    : new AppError('cancelled', `${title} was cancelled.`);
}
