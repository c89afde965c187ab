import { describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../../core/events.js';
import { TaskManager } from '../../../core/tasks.js';
import type { TaskSnapshot } from '../../../core/contract/tasks.js';
import { channelNames, taskChannels, taskKindOf } from '../../../core/contract/channels.js';
import { AppError } from '../../../core/contract/errors.js';
import { createDispatch, type Handlers } from '../../../core/dispatch.js';

function setup() {
  const events = new EventBus();
  const updates: TaskSnapshot[] = [];
  events.on('task:update', (t) => updates.push(t));
  return { tasks: new TaskManager(events), updates };
}

describe('TaskManager', () => {
  it('publishes steps and progress and ends succeeded', async () => {
    const { tasks, updates } = setup();
    const result = await tasks.run('builder:create', 'Demo', [{ id: 'a', title: 'Step A', command: ['docker', 'ps'] }], async (t) => {
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
    const running = tasks.run('runs:start', 'Slow work', [{ id: 'wait', title: 'Wait' }], async (t) => {
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
    const running = tasks.run('registry:up', 'Stubborn', [], async () => {
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
      tasks.run('build:run', 'Bad', [{ id: 's', title: 'S' }], async (t) => {
        t.step('s', 'running');
        throw new Error('it broke');
      }),
    ).rejects.toThrow('it broke');
    const last = updates.at(-1)!;
    expect(last).toMatchObject({ state: 'failed', error: { code: 'internal', message: 'it broke' } });
    expect(last.steps[0]!.state).toBe('failed');
  });

  it('takes its kind from the contract\u2019s declaration for the channel', async () => {
    const { tasks, updates } = setup();
    await tasks.run('build:run', 'B', [], async () => undefined);
    await tasks.run('runs:start', 'R', [], async () => undefined);
    expect(updates.map((u) => u.kind)).toEqual(['build', 'build', 'runs', 'runs']);
    expect(taskChannels.sort()).toEqual(['build:run', 'builder:create', 'builder:install-emulators', 'registry:gc', 'registry:up', 'runs:start']);
    expect(taskKindOf('registry:up')).toBe('registry:up');
    expect(taskKindOf('registry:gc')).toBe('registry:gc');
  });

  it('stamps the id of the call it works for on every update, and none on work no call started', async () => {
    const { tasks, updates } = setup();
    const dispatch = createDispatch(handlersWith({
      'build:run': async () => {
        await tasks.run('build:run', 'Inside a call', [{ id: 's', title: 'S' }], async (t) => {
          t.step('s', 'running');
          t.step('s', 'done');
        });
        throw new Error('not what this test checks');
      },
    }));
    await dispatch('build:run', { context: '.', platforms: ['linux/amd64'], tag: 'localhost:5000/a:1' }, { callId: 'c-stamp-1' });
    await tasks.run('runs:start', 'On its own', [], async () => undefined);
    const inside = updates.filter((u) => u.title === 'Inside a call');
    expect(inside.length).toBeGreaterThanOrEqual(3);
    expect(inside.every((u) => u.callId === 'c-stamp-1')).toBe(true);
    expect(updates.filter((u) => u.title === 'On its own').every((u) => !('callId' in u))).toBe(true);
  });

  it('is cancelled when the call it works for is cancelled, even if the domain passed no signal', async () => {
    const { tasks, updates } = setup();
    const call = new AbortController();
    const dispatch = createDispatch(handlersWith({
      'runs:start': async () => {
        await tasks.run('runs:start', 'Waits', [], (t) => new Promise((_resolve, reject) => t.signal.addEventListener('abort', () => reject(t.signal.reason as Error))));
        throw new Error('unreachable');
      },
    }));
    const answer = dispatch('runs:start', { reference: 'localhost:5000/a:1' }, { callId: 'c-cancel-1', signal: call.signal });
    await vi.waitFor(() => expect(updates.length).toBeGreaterThan(0));
    call.abort(new AppError('cancelled', 'The request was cancelled.'));
    expect(await answer).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(updates.at(-1)).toMatchObject({ state: 'cancelled', callId: 'c-cancel-1' });
  });
});

function handlersWith(overrides: Partial<Handlers>): Handlers {
  const fail = async () => {
    throw new Error('handler should not be reached');
  };
  return { ...(Object.fromEntries(channelNames.map((c) => [c, fail])) as unknown as Handlers), ...overrides };
}
