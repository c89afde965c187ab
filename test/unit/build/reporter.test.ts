import { describe, expect, test, vi } from 'vitest';
import type { BuildLogEvent, BuildProgressEvent, PlatformProgress } from '../../../core/contract/build.js';
import type { TaskSnapshot } from '../../../core/contract/tasks.js';
import { BuildReporter, LOG_TAIL_LINES } from '../../../core/build/reporter.js';
import { EventBus } from '../../../core/events.js';
import { TaskManager } from '../../../core/tasks.js';

function platform(state: PlatformProgress['state'], stepState: PlatformProgress['steps'][number]['state']): PlatformProgress {
  return { platform: 'linux/arm64', state, finished: stepState === 'done' ? 1 : 0, steps: [{ index: 1, total: 1, name: 'RUN make', state: stepState, cached: false, logLines: 0 }] };
}

describe('BuildReporter', () => {
  test('100,000 log lines leave as a few hundred batches, the last lines kept for the result', async () => {
    vi.useFakeTimers();
    try {
      const events = new EventBus();
      const batches: BuildLogEvent[] = [];
      events.on('build:log', (e) => batches.push(e));
      const tasks = new TaskManager(events);
      await tasks.run('build:run', 'b', [], async (task) => {
        const reporter = new BuildReporter(events, task, 'modern');
        for (let i = 0; i < 100_000; i++) reporter.log({ stream: 1, text: `line ${i}`, platform: 'linux/arm64' });
        reporter.close();
        expect(reporter.lineCount).toBe(100_000);
        expect(reporter.logTail()).toHaveLength(LOG_TAIL_LINES);
        expect(reporter.logTail().at(-1)?.text).toBe('line 99999');
      });
      expect(batches.length).toBe(200);
      expect(batches.flatMap((b) => b.lines).length).toBe(100_000);
    } finally {
      vi.useRealTimers();
    }
  });

  test('progress is throttled to the newest state, and task steps follow the Dockerfile steps', async () => {
    vi.useFakeTimers();
    try {
      const events = new EventBus();
      const progress: BuildProgressEvent[] = [];
      const snapshots: TaskSnapshot[] = [];
      events.on('build:progress', (e) => progress.push(e));
      events.on('task:update', (t) => snapshots.push(t));
      const tasks = new TaskManager(events);
      await tasks.run('build:run', 'b', [{ id: 'platform:linux/arm64', title: 'linux/arm64: every step' }], async (task) => {
        const reporter = new BuildReporter(events, task, 'modern', ['linux/arm64']);
        reporter.progress(() => [platform('running', 'running')]);
        for (let i = 0; i < 50; i++) reporter.progress(() => [platform('running', 'running')]);
        expect(progress).toHaveLength(1);
        reporter.progress(() => [platform('done', 'done')]);
        vi.advanceTimersByTime(300);
        expect(progress).toHaveLength(2);
        expect(progress[1]?.platforms[0]?.state).toBe('done');
        reporter.close();
      });
      const last = snapshots.at(-1)!;
      expect(last.steps.map((s) => [s.id, s.title, s.state])).toEqual([
        ['platform:linux/arm64', 'linux/arm64: every step', 'done'],
        ['step:linux/arm64::1', 'linux/arm64 1/1 RUN make', 'done'],
      ]);
      expect(last.progress).toMatchObject({ current: 1, total: 1, unit: 'steps' });
    } finally {
      vi.useRealTimers();
    }
  });
});
