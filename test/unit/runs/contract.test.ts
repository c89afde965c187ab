import { describe, expect, it } from 'vitest';
import { channels, isChannel } from '../../../core/contract/channels.js';
import { RunsExportInput, RunsStartInput } from '../../../core/contract/runs.js';
import { createDispatch, type Handlers } from '../../../core/dispatch.js';

describe('runs contract', () => {
  it('registers every runs channel', () => {
    for (const name of ['runs:start', 'runs:list', 'runs:get', 'runs:export', 'runs:delete', 'runs:hosts']) expect(isChannel(name)).toBe(true);
  });

  it('applies the default concurrency and keeps the rest', () => {
    expect(RunsStartInput.parse({ reference: 'localhost:5000/hello:1' })).toEqual({ reference: 'localhost:5000/hello:1', concurrency: 2 });
    expect(RunsStartInput.parse({ reference: 'a/b:1', platforms: ['linux/arm/v7'], timeoutMs: 5000, concurrency: 8, command: ['uname', '-m'] })).toMatchObject({ concurrency: 8 });
  });

  it.each([
    [{ reference: 'Not A Ref' }],
    [{ reference: 'a/b:1', platforms: ['arm64'] }],
    [{ reference: 'a/b:1', platforms: [] }],
    [{ reference: 'a/b:1', concurrency: 0 }],
    [{ reference: 'a/b:1', concurrency: 9 }],
    [{ reference: 'a/b:1', timeoutMs: 10 }],
    [{ reference: 'a/b:1', command: [] }],
    [{ reference: 'a/b:1', extra: true }],
  ])('refuses %j', (input) => {
    expect(RunsStartInput.safeParse(input).success).toBe(false);
  });

  it('export takes json or markdown and a safe id', () => {
    expect(RunsExportInput.safeParse({ id: 'abc-1', format: 'markdown' }).success).toBe(true);
    expect(RunsExportInput.safeParse({ id: '../x', format: 'markdown' }).success).toBe(false);
    expect(RunsExportInput.safeParse({ id: 'abc', format: 'html' }).success).toBe(false);
  });

  it('dispatch answers invalid-input for a malformed runs:start before any handler runs', async () => {
    const dispatch = createDispatch({ 'runs:start': async () => { throw new Error('must not run'); } } as unknown as Handlers);
    const answer = await dispatch('runs:start', { reference: 'localhost:5000/hello:1', platforms: ['x'] });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(channels['runs:start']).toBeDefined();
  });
});
