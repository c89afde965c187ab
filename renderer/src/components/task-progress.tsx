import { useMemo } from 'react';
import type { StepState } from '../../../core/contract/tasks.js';
import { progressLabel, taskFraction, taskTone, type Tone } from '../lib/status.js';
import { selectTasksById } from '../store/index.js';
import { useAppStore } from '../store/provider.js';
import { taskOfCall } from '../store/tasks-slice.js';
import { CommandLine } from './command-line.js';
import { StatusChip } from './status-chip.js';
import '../styles/registry-builder.css';

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

/** The task of one call (found by the call's id): steps, a progress bar (with bytes when the core counts them) and each step's docker command. */
export function TaskProgress({ callId, label, running }: { callId: string | null; label: string; running: boolean }) {
  const tasks = useAppStore(selectTasksById);
  const task = useMemo(() => taskOfCall(tasks, callId), [tasks, callId]);
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
    <div className="task-panel" role="status" aria-label={label} data-testid={`task-${task.kind}`}>
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
