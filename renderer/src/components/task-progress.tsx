import { useMemo } from 'react';
import type { StepState, TaskSnapshot } from '../../../core/contract/tasks.js';
import { progressLabel, taskFraction, taskTone, type Tone } from '../lib/status.js';
import { selectTasksById } from '../store/index.js';
import { useAppStore } from '../store/provider.js';
import { CommandLine } from './command-line.js';
import { StatusChip } from './status-chip.js';
import '../styles/registry-builder.css';

/** Server and page clocks are the same machine's, but the click and the task's start are not the same instant. */
const CLOCK_SLACK_MS = 5000;

/** The newest task of this kind started since the user asked for it. */
export function findTask(tasks: Record<string, TaskSnapshot>, kind: string, since: number): TaskSnapshot | undefined {
  let found: TaskSnapshot | undefined;
  for (const t of Object.values(tasks)) {
    if (t.kind !== kind || t.startedAt < since - CLOCK_SLACK_MS) continue;
    if (!found || t.startedAt > found.startedAt) found = t;
  }
  return found;
}

const stepTone: Record<StepState, Tone> = {
  pending: 'working',
  running: 'working',
  done: 'ready',
  failed: 'failed',
  skipped: 'ready',
  cancelled: 'needs-action',
};

const stepWords: Record<StepState, string> = {
  pending: 'waiting',
  running: 'running',
  done: 'done',
  failed: 'failed',
  skipped: 'skipped',
  cancelled: 'cancelled',
};

/** Steps, a progress bar (with bytes when the core counts them) and each step's docker command. */
export function TaskProgress({ kind, since, label, running }: { kind: string; since: number | null; label: string; running: boolean }) {
  const tasks = useAppStore(selectTasksById);
  const task = useMemo(() => (since === null ? undefined : findTask(tasks, kind, since)), [tasks, kind, since]);
  if (!task) {
    // Refused before any work began (e.g. bad input): the error notice says why, there are no steps to show.
    return !running ? null : (
      <div className="task-panel" role="status" aria-label={label}>
        <progress className="task-progress" aria-label={`${label} progress`} />
        <p className="muted small">Starting…</p>
      </div>
    );
  }
  const fraction = taskFraction(task);
  const words = progressLabel(task);
  return (
    <div className="task-panel" role="status" aria-label={label} data-testid={`task-${kind}`}>
      <div className="task-panel-head">
        <strong>{task.title}</strong>
        <StatusChip tone={taskTone(task)} label={task.state} />
      </div>
      {task.state === 'running' ? (
        <progress className="task-progress" aria-label={`${label} progress`} max={1} {...(fraction !== undefined ? { value: fraction } : {})} />
      ) : null}
      {words ? <p className="small muted">{words}</p> : null}
      <ol className="step-list">
        {task.steps.map((step) => (
          <li key={step.id} className={`step step-${step.state}`}>
            {step.state === 'pending' ? (
              <span className="chip chip-neutral">{stepWords.pending}</span>
            ) : (
              <StatusChip tone={stepTone[step.state]} label={stepWords[step.state]} />
            )}
            <div className="step-body">
              <span>{step.title}</span>
              {step.detail ? <span className="muted small">{step.detail}</span> : null}
              {step.command ? <CommandLine args={step.command} /> : null}
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}
