import { describe, expect, it } from 'vitest';
import { EventBus } from '../../../core/events.js';
import { TaskManager } from '../../../core/tasks.js';
import type { TaskSnapshot } from '../../../core/contract/tasks.js';

function setup() {
  const events = new EventBus();
  const updates: TaskSnapshot[] = [];
  events.on('task:update', (t) => updates.push(t));
  return { tasks: new TaskManager(events), updates };
}

describe('TaskManager', () => {
  it('publishes steps and progress and ends succeeded', async () => {
    const { tasks, updates } = setup();
    const result = await tasks.run('demo', 'Demo', [{ id: 'a', title: 'Step A', command: ['docker', 'ps'] }], async (t) => {
      t.step('a', 'running');
      t.progress({ current: 5, total: 10, unit: 'bytes', message: 'halfway' });
      t.step('a', 'done');
      return 42;
    });
    expect(result).toBe(42);
    const last = updates.at(-1)!;
    expect(last.state).toBe('succeeded');
    expect(last.steps[0]).toMatchObject({ id: 'a', state: 'done', command: ['docker', 'ps'] });
    expect(updates.some((u) => u.progress?.message === 'halfway')).toBe(true);
    expect(last.endedAt).toBeGreaterThanOrEqual(last.startedAt);
  });

  it('cancels a running task through its AbortSignal and marks it cancelled, not failed', async () => {
    const { tasks, updates } = setup();
    const running = tasks.run('slow', 'Slow work', [{ id: 'wait', title: 'Wait' }], async (t) => {
      t.step('wait', 'running');
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, 10_000);
        t.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('aborted'));
        });
      });
      return 'finished';
    });
    const id = updates[0]!.id;
    expect(tasks.cancel(id)).toBe(true);
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    const last = updates.at(-1)!;
    expect(last.state).toBe('cancelled');
    expect(last.steps[0]!.state).toBe('cancelled');
    expect(tasks.cancel(id)).toBe(false);
  });

  it('a task whose body resolves after cancel is still reported cancelled', async () => {
    const { tasks, updates } = setup();
    const running = tasks.run('stubborn', 'Stubborn', [], async () => {
      await new Promise((r) => setTimeout(r, 20));
      return 'done anyway';
    });
    tasks.cancel(updates[0]!.id);
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    expect(updates.at(-1)!.state).toBe('cancelled');
  });

  it('records a failure with the serialized error', async () => {
    const { tasks, updates } = setup();
    await expect(
      tasks.run('bad', 'Bad', [{ id: 's', title: 'S' }], async (t) => {
        t.step('s', 'running');
        throw new Error('it broke');
      }),
    ).rejects.toThrow('it broke');
    const last = updates.at(-1)!;
    expect(last).toMatchObject({ state: 'failed', error: { code: 'internal', message: 'it broke' } });
    expect(last.steps[0]!.state).toBe('failed');
  });
});
