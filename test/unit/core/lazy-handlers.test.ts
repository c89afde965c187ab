import { describe, expect, it } from 'vitest';
import { lazyHandlers } from '../../../core/app.js';
import type { Handlers } from '../../../core/dispatch.js';

type Two = Pick<Handlers, 'runs:list' | 'runs:delete'>;

describe('lazyHandlers', () => {
  it('loads a domain once, on the first call of any of its channels, and calls the handler it loaded', async () => {
    let loads = 0;
    const handlers = lazyHandlers(['runs:list', 'runs:delete'] as const, async () => {
      loads++;
      return { 'runs:list': async () => [], 'runs:delete': async ({ id }) => ({ deleted: id === 'a' }) } as Two;
    });
    expect(loads).toBe(0);
    const [a, b] = await Promise.all([handlers['runs:delete']({ id: 'a' }, {}), handlers['runs:delete']({ id: 'b' }, {})]);
    expect([a, b]).toEqual([{ deleted: true }, { deleted: false }]);
    expect(await handlers['runs:list']({}, {})).toEqual([]);
    expect(loads).toBe(1);
  });

  it('tries the import again after a failed one', async () => {
    let loads = 0;
    const handlers = lazyHandlers(['runs:list', 'runs:delete'] as const, async () => {
      loads++;
      if (loads === 1) throw new Error('module missing');
      return { 'runs:list': async () => [], 'runs:delete': async () => ({ deleted: false }) } as Two;
    });
    await expect(handlers['runs:list']({}, {})).rejects.toThrow('module missing');
    expect(await handlers['runs:list']({}, {})).toEqual([]);
    expect(loads).toBe(2);
  });
});
