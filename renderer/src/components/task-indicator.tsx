import { useMemo } from 'react';
import { X, CircleStop } from 'lucide-react';
import { progressLabel, taskFraction, taskTone } from '../lib/status.js';
import { selectCancelTask, selectDismissTask, selectTasksById, sortTasks } from '../store/index.js';
import { useAppStore } from '../store/provider.js';
import { StatusChip } from './status-chip.js';

/** Long work in progress, with how far it has got; failures stay until dismissed so they are not missed. */
export function TaskIndicator() {
  const byId = useAppStore(selectTasksById);
  const cancel = useAppStore(selectCancelTask);
  const dismiss = useAppStore(selectDismissTask);
  const tasks = useMemo(() => sortTasks(byId), [byId]);
  const running = tasks.filter((t) => t.state === 'running').length;

  return (
    <section className="tasks" aria-labelledby="tasks-heading">
      <h2 id="tasks-heading" className="tasks-heading">
        Tasks
        <span className="tasks-count">{running > 0 ? `${running} running` : 'none running'}</span>
      </h2>
      {tasks.length > 0 ? (
        <ul className="task-list" aria-live="polite">
          {tasks.map((task) => {
            const fraction = taskFraction(task);
            const label = progressLabel(task);
            return (
              <li key={task.id} className="task">
                <div className="task-row">
                  <span className="task-title" title={task.title}>
                    {task.title}
                  </span>
                  {task.state === 'running' ? (
                    <button type="button" className="icon-button" onClick={() => void cancel(task.id)} aria-label={`Cancel ${task.title}`} title="Cancel">
                      <CircleStop aria-hidden="true" size={14} />
                    </button>
                  ) : (
                    <button type="button" className="icon-button" onClick={() => dismiss(task.id)} aria-label={`Dismiss ${task.title}`} title="Dismiss">
                      <X aria-hidden="true" size={14} />
                    </button>
                  )}
                </div>
                {task.state === 'running' ? (
                  <progress className="task-progress" aria-label={`${task.title} progress`} max={1} {...(fraction !== undefined ? { value: fraction } : {})} />
                ) : (
                  <StatusChip tone={taskTone(task)} label={task.state} />
                )}
                {label ? <p className="task-detail">{label}</p> : null}
                {task.error ? <TaskError message={task.error.message} /> : null}
              </li>
            );
          })}
        </ul>
      ) : null}
    </section>
  );
}

/** The longest error a task card shows whole; a longer one shows its start, and the rest on request. */
export const TASK_ERROR_CHARS = 100;

/** A task's error in the narrow sidebar: its first line, cut short, so a long build error does not stretch the card. */
function TaskError({ message }: { message: string }) {
  const first = message.split('\n', 1)[0] ?? '';
  const short = first.length > TASK_ERROR_CHARS ? `${first.slice(0, TASK_ERROR_CHARS - 1).trimEnd()}…` : first;
  if (short === message) return <p className="task-detail task-error">{message}</p>;
  return (
    <details className="task-detail task-error" data-testid="task-error">
      <summary title={message}>{short}</summary>
      <p className="task-error-full">{message}</p>
    </details>
  );
}
