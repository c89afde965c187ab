import { describe, expect, it } from 'vitest';
import type { DoctorReport, TaskSnapshot } from '../../../core/contract/index.js';
import { buildxTone, engineTone, formatBytes, overallHeadline, overallTone, progressLabel, taskFraction } from '../../../renderer/src/lib/status.js';
import { fieldErrorsFrom } from '../../../renderer/src/lib/field-errors.js';
import { viewFromHash } from '../../../renderer/src/lib/views.js';
import { mergeTask } from '../../../renderer/src/store/tasks-slice.js';
import { sortTasks } from '../../../renderer/src/store/selectors.js';

const engine = { endpoint: 'unix:///var/run/docker.sock', source: 'default socket', version: '26.1.5', apiVersion: '1.45', os: 'linux', arch: 'x86_64', containerdImageStore: true };
function report(over: Partial<DoctorReport>): DoctorReport {
  return {
    generatedAt: new Date(0).toISOString(),
    host: { os: 'linux', arch: 'x64' },
    attempts: [],
    engine,
    buildx: { available: true, version: '0.13.1', builders: [] },
    platforms: [],
    checks: [],
    ready: true,
    ...over,
  };
}

describe('doctor tones and headlines', () => {
  it('says failed when no engine answered', () => {
    const r = report({ engine: null, ready: false, buildx: { available: false, builders: [] }, checks: [{ id: 'engine', title: 'Engine', status: 'missing', summary: 'none' }] });
    expect(overallTone(r)).toBe('failed');
    expect(engineTone(r)).toBe('failed');
    expect(buildxTone(r)).toBe('failed');
    expect(overallHeadline(r)).toBe('No Docker engine answered');
  });

  it('says needs action, counting what is open', () => {
    const r = report({
      ready: false,
      engine: { ...engine, containerdImageStore: false },
      checks: [
        { id: 'engine', title: 'Engine', status: 'ok', summary: '' },
        { id: 'buildx', title: 'Buildx', status: 'missing', summary: '' },
        { id: 'emulation', title: 'Emulation', status: 'missing', summary: '' },
      ],
    });
    expect(overallTone(r)).toBe('needs-action');
    expect(engineTone(r)).toBe('needs-action');
    expect(overallHeadline(r)).toBe('2 things need doing before multi-arch work');
  });

  it('says ready when everything is ok', () => {
    const r = report({ checks: [{ id: 'engine', title: 'Engine', status: 'ok', summary: '' }] });
    expect(overallTone(r)).toBe('ready');
    expect(overallHeadline(r)).toBe('This machine is ready for multi-arch work');
  });
});

function task(over: Partial<TaskSnapshot>): TaskSnapshot {
  return { id: 't1', kind: 'k', title: 'T', state: 'running', steps: [], startedAt: 1, ...over };
}

describe('task progress', () => {
  it('uses the progress total, then the steps, else says it cannot tell', () => {
    expect(taskFraction(task({ progress: { current: 5, total: 20 } }))).toBe(0.25);
    expect(
      taskFraction(
        task({
          steps: [
            { id: 'a', title: 'a', state: 'done' },
            { id: 'b', title: 'b', state: 'running' },
          ],
        }),
      ),
    ).toBe(0.5);
    expect(taskFraction(task({}))).toBeUndefined();
  });

  it('labels bytes and steps in words', () => {
    expect(progressLabel(task({ progress: { current: 1536, total: 3 * 1024 * 1024, unit: 'bytes', message: 'pushing' } }))).toBe('pushing · 1.5 kB of 3.1 MB');
    expect(progressLabel(task({ progress: { current: 2, total: 5, unit: 'steps' } }))).toBe('2 of 5 steps');
    expect(progressLabel(task({ steps: [{ id: 'a', title: 'Creating the builder', state: 'running' }] }))).toBe('Creating the builder');
    expect(formatBytes(512)).toBe('512 B');
  });

  it('never rolls a finished task back to running when an old event arrives late', () => {
    const done = task({ state: 'succeeded' });
    expect(mergeTask(done, task({ state: 'running' }))).toBe(done);
    const failed = task({ state: 'failed' });
    expect(mergeTask(task({}), failed)).toBe(failed);
  });

  it('lists running tasks first, newest first', () => {
    const list = sortTasks({
      a: task({ id: 'a', state: 'failed', startedAt: 5 }),
      b: task({ id: 'b', startedAt: 1 }),
      c: task({ id: 'c', startedAt: 3 }),
    });
    expect(list.map((t) => t.id)).toEqual(['c', 'b', 'a']);
  });
});

describe('fieldErrorsFrom', () => {
  it('maps invalid-input details to field paths, first message wins', () => {
    expect(
      fieldErrorsFrom({
        code: 'invalid-input',
        details: [
          { path: ['registry', 'port'], message: 'too big' },
          { path: ['registry', 'port'], message: 'second' },
          { path: [], message: 'whole form' },
          'junk',
        ],
      }),
    ).toEqual({ 'registry.port': 'too big', '(form)': 'whole form' });
    expect(fieldErrorsFrom({ code: 'internal', details: [{ path: ['x'], message: 'y' }] })).toEqual({});
    expect(fieldErrorsFrom(null)).toEqual({});
  });
});

describe('viewFromHash', () => {
  it.each([
    ['', 'doctor'],
    ['#/settings', 'settings'],
    ['#builder', 'builder'],
    ['#/runs/abc', 'runs'],
    ['#/nope', 'doctor'],
    ['#/__proto__', 'doctor'],
  ])('%s -> %s', (hash, view) => {
    expect(viewFromHash(hash)).toBe(view);
  });
});
