import type { AppInfo, DoctorReport, Settings, SettingsPatch, TaskSnapshot } from '../../../core/contract/index.js';
import type { ConnectionState } from '../api/types.js';
import type { ViewId } from '../lib/views.js';
import type { RegistrySlice } from './registry-slice.js';
import type { BuilderSlice } from './builder-slice.js';
import type { BuildSlice } from './build-slice.js';
import type { RunsSlice } from './runs-slice.js';
import type { TutorialSlice } from './tutorial-slice.js';
import type { VerifySlice } from './verify-slice.js';
import type { ReadinessSlice } from './readiness-slice.js';

/** An error as the screens show it: what happened, and what to do next. */
export interface UiError {
  code: string;
  message: string;
  hint?: string;
}

export interface AppSlice {
  info: AppInfo | null;
  connection: ConnectionState;
  view: ViewId;
  setView(view: ViewId): void;
  setConnection(state: ConnectionState): void;
  loadInfo(): Promise<void>;
}

export interface DoctorSlice {
  doctor: {
    report: DoctorReport | null;
    loading: boolean;
    error: UiError | null;
  };
  refreshDoctor(): Promise<void>;
}

export interface TasksSlice {
  tasks: Record<string, TaskSnapshot>;
  applyTaskUpdate(task: TaskSnapshot): void;
  loadTasks(): Promise<void>;
  cancelTask(id: string): Promise<void>;
  dismissTask(id: string): void;
}

export interface SettingsSlice {
  settings: {
    value: Settings | null;
    loading: boolean;
    saving: boolean;
    error: UiError | null;
    /** Field path ("registry.port") -> what is wrong with it. */
    fieldErrors: Record<string, string>;
    savedAt: number | null;
  };
  loadSettings(): Promise<void>;
  /** Resolves true when saved; false when the core refused it (errors are in the slice). */
  saveSettings(patch: SettingsPatch): Promise<boolean>;
}

export type StoreState = AppSlice & DoctorSlice & TasksSlice & SettingsSlice & RegistrySlice & BuilderSlice & BuildSlice & RunsSlice & TutorialSlice & VerifySlice & ReadinessSlice;
