import { describe, expect, it } from 'vitest';
import { EventBus } from '../../../core/events.js';
import type { TaskSnapshot } from '../../../core/contract/tasks.js';
import { printCallTasks } from '../../../cli/task-printer.js';
import { formatBytes } from '../../../core/format-bytes.js';

function snapshot(over: Partial<TaskSnapshot>): TaskSnapshot {
  return { id: 't1', kind: 'registry:up', callId: 'c-mine', title: 'Start', state: 'running', steps: [], startedAt: 1, ...over };
}

describe('the CLI task printer', () => {
  it('prints the steps of its own call\u2019s tasks as they start and end, and nothing of other calls', () => {
    const events = new EventBus();
    const out: string[] = [];
    let now = 0;
    const stop = printCallTasks(events, 'c-mine', (t) => out.push(t), () => now);
    const find = { id: 'find', title: 'Look for a container named registry', command: ['docker', 'container', 'inspect', 'registry'] };
    events.emit('task:update', snapshot({ steps: [{ ...find, state: 'pending' }] }));
    events.emit('task:update', snapshot({ steps: [{ ...find, state: 'running' }] }));
    // the same kind of task from another call (another window, another terminal) at the same time
    events.emit('task:update', snapshot({ id: 't2', callId: 'c-theirs', steps: [{ ...find, state: 'running' }] }));
    events.emit('task:update', snapshot({ id: 't3', callId: undefined, steps: [{ ...find, state: 'failed' }] }));
    events.emit('task:update', snapshot({ steps: [{ ...find, state: 'running' }], progress: { current: 1, unit: 'steps', message: 'waiting for the engine' } }));
    now = 5000;
    events.emit('task:update', snapshot({ steps: [{ ...find, state: 'running' }], progress: { current: 1024, total: 4096, unit: 'bytes', message: 'pulling' } }));
    now = 5100;
    events.emit('task:update', snapshot({ steps: [{ ...find, state: 'running' }], progress: { current: 2048, total: 4096, unit: 'bytes', message: 'pulling' } }));
    events.emit('task:update', snapshot({ steps: [{ ...find, state: 'done', detail: 'none yet: creating one' }, { id: 'pull', title: 'Get registry:2', state: 'skipped', detail: 'already here' }] }));
    stop();
    events.emit('task:update', snapshot({ steps: [{ ...find, state: 'failed' }] }));
    expect(out.join('')).toBe(
      [
        '… Look for a container named registry',
        '    $ docker container inspect registry',
        '    waiting for the engine',
        // bytes as the app's one byte formatter writes them, a line a second at most
        `    ${formatBytes(1024)} of ${formatBytes(4096)}  pulling`,
        '✓ Look for a container named registry (none yet: creating one)',
        '- Get registry:2: skipped (already here)',
        '',
      ].join('\n'),
    );
  });
});
