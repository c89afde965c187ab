import type { SerializedError } from './errors.js';

export type TaskState = 'running' | 'succeeded' | 'failed' | 'cancelled';
export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'cancelled';

export interface TaskStep {
  id: string;
  title: string;
  state: StepState;
  /** The equivalent docker CLI command, as an argument array (ready to quote for copying). */
  command?: string[];
  detail?: string;
  startedAt?: number;
  endedAt?: number;
}

export interface TaskProgress {
  current: number;
  total?: number;
  unit?: 'bytes' | 'steps' | 'items';
  /** What the task is doing or waiting on right now. */
  message?: string;
}

export interface TaskSnapshot {
  id: string;
  /** The contract's task kind of the channel that started it (see taskKindOf). */
  kind: string;
  /**
   * The id of the call that started the task, when a front started it: the renderer and the CLI follow
   * their own call's task by this id, never by kind or start time.
   */
  callId?: string;
  title: string;
  state: TaskState;
  steps: TaskStep[];
  progress?: TaskProgress;
  error?: SerializedError;
  startedAt: number;
  endedAt?: number;
}
