/**
 * The CLI's one task printer: it follows the tasks of one call (the core stamps the call's id on each)
 * and prints every step when it starts, with its docker equivalent, and when it ends, plus what the task
 * says it is doing. Every command that runs a task prints its progress through here.
 */
import type { Channel, ChannelInput, ChannelOutput, TaskSnapshot } from '../core/contract/index.js';
import { newCallId } from '../core/contract/call-id.js';
import { formatBytes } from '../core/format-bytes.js';
import { formatCommand } from '../core/docker/exec.js';
import type { Core } from '../core/app.js';
import type { EventBus } from '../core/events.js';

export type Write = (text: string) => void;

const END_MARK: Partial<Record<TaskSnapshot['steps'][number]['state'], string>> = { done: '✓', skipped: '-', failed: '✗', cancelled: '✗' };
/** Byte counts change many times a second during a pull; a line a second is enough to show it moves. */
const BYTES_EVERY_MS = 1000;

/** Prints the progress of the tasks that carry `callId`; returns the function that stops printing. */
export function printCallTasks(events: Pick<EventBus, 'on'>, callId: string, write: Write, now: () => number = Date.now): () => void {
  const said = new Map<string, string>();
  const lastMessage = new Map<string, string>();
  let lastBytesAt = 0;
  const off = events.on('task:update', (task: TaskSnapshot) => {
    if (task.callId !== callId) return;
    for (const step of task.steps) {
      const key = `${task.id}\u0000${step.id}`;
      if (step.state === 'pending' || said.get(key) === step.state) continue;
      said.set(key, step.state);
      if (step.state === 'running') {
        write(`… ${step.title}\n`);
        if (step.command) write(`    $ ${formatCommand(step.command)}\n`);
      } else {
        const detail = step.detail ? ` (${step.detail})` : '';
        write(`${END_MARK[step.state] ?? '?'} ${step.title}${step.state === 'skipped' ? ': skipped' : ''}${detail}\n`);
      }
    }
    const p = task.progress;
    if (!p || task.state !== 'running') return;
    if (p.unit === 'bytes') {
      if (now() - lastBytesAt < BYTES_EVERY_MS) return;
      lastBytesAt = now();
      write(`    ${formatBytes(p.current)}${p.total ? ` of ${formatBytes(p.total)}` : ''}${p.message ? `  ${p.message}` : ''}\n`);
    } else if (p.message && p.message !== lastMessage.get(task.id)) {
      lastMessage.set(task.id, p.message);
      write(`    ${p.message}\n`);
    }
  });
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    off();
  };
}

export interface FollowedCallOptions {
  /** Where progress goes; null prints nothing (e.g. --json on stdout). */
  write: Write | null;
  signal?: AbortSignal;
  /** Told the task id once the call's task starts (e.g. to match other events of that task). */
  onTask?: (task: TaskSnapshot) => void;
}

/** Makes one call under a fresh call id and prints its tasks' progress while it runs. */
export async function callWithProgress<C extends Channel>(core: Pick<Core, 'call' | 'events'>, channel: C, input: ChannelInput<C>, options: FollowedCallOptions): Promise<ChannelOutput<C>> {
  const callId = newCallId();
  const stopPrinting = options.write ? printCallTasks(core.events, callId, options.write) : () => undefined;
  const seen = new Set<string>();
  const stopWatching = options.onTask
    ? core.events.on('task:update', (task) => {
        if (task.callId !== callId || seen.has(task.id)) return;
        seen.add(task.id);
        options.onTask?.(task);
      })
    : () => undefined;
  try {
    return await core.call(channel, input, { callId, ...(options.signal ? { signal: options.signal } : {}) });
  } finally {
    stopPrinting();
    stopWatching();
  }
}
