import { describe, expect, it } from 'vitest';
import { channelGroups, isChannel, isEmptyPlainObject, emptyInputChannels, taskKinds } from '../../../core/contract/channel-table.js';
import { channelNames, channels, taskChannels, type Channel } from '../../../core/contract/channels.js';
import { createDispatch, type Handlers } from '../../../core/dispatch.js';

// The zod-free table (issue 15) against the schemas it stands in for.
describe('channel table', () => {
  it('names every channel of the contract once, and nothing else', () => {
    const listed = Object.values(channelGroups).flat();
    expect([...listed].sort()).toEqual([...channelNames].sort());
    expect(new Set(listed).size).toBe(listed.length);
    for (const c of channelNames) expect(isChannel(c)).toBe(true);
    for (const c of ['registry:explode', '', 'toString', '__proto__', 42, null]) expect(isChannel(c)).toBe(false);
  });

  it('gives each task channel the kind its contract declares', () => {
    expect(Object.keys(taskKinds).sort()).toEqual([...taskChannels].sort());
    for (const c of taskChannels) expect(taskKinds[c]).toBe((channels[c] as unknown as { task: string }).task);
  });

  it('lists exactly the channels whose schema turns {} into {}', () => {
    const takesEmpty = (c: Channel) => {
      const r = channels[c].input.safeParse({});
      return r.success && isEmptyPlainObject(r.data);
    };
    expect(channelNames.filter(takesEmpty).sort()).toEqual([...emptyInputChannels].sort());
  });

  it('takes only own-keyless plain objects as empty', () => {
    expect(isEmptyPlainObject({})).toBe(true);
    expect(isEmptyPlainObject(Object.create(null))).toBe(true);
    for (const v of [[], { a: 1 }, { a: undefined }, { [Symbol('s')]: 1 }, new Date(0), new Map(), null, undefined, 0, '', 'x']) {
      expect(isEmptyPlainObject(v)).toBe(false);
    }
  });

  it('answers {} to those channels the same with and without the schema', async () => {
    const seen: unknown[] = [];
    const handlers = Object.fromEntries(
      channelNames.map((c) => [
        c,
        async (input: unknown) => {
          seen.push(input);
          return 'ran';
        },
      ]),
    ) as unknown as Handlers;
    const dispatch = createDispatch(handlers);
    for (const c of emptyInputChannels) {
      for (const input of [{}, undefined, null, Object.create(null)]) {
        seen.length = 0;
        expect(await dispatch(c, input)).toEqual({ ok: true, result: 'ran' });
        expect(seen).toEqual([{}]);
        expect(seen[0]).toEqual(channels[c].input.parse(input ?? {}));
      }
      // anything else still meets the schema
      for (const input of [{ bogus: 1 }, [], 'x', 42]) {
        expect(await dispatch(c, input)).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
      }
    }
  });
});
