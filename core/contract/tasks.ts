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
  kind: string;
  title: string;
  state: TaskState;
  steps: TaskStep[];
  progress?: TaskProgress;
  error?: SerializedError;
  startedAt: number;
  endedAt?: number;
}
