import { describe, expect, it } from 'vitest';
import { parseClientMessage } from '../../../server/protocol.js';

describe('parseClientMessage', () => {
  it('accepts invoke and cancel messages', () => {
    expect(parseClientMessage('{"type":"invoke","id":"c-1","channel":"app:info","input":{}}')).toEqual({
      ok: true,
      message: { type: 'invoke', id: 'c-1', channel: 'app:info', input: {} },
    });
    expect(parseClientMessage('{"type":"cancel","id":"a"}')).toEqual({ ok: true, message: { type: 'cancel', id: 'a' } });
  });

  it.each([
    ['not JSON', '{', null],
    ['an array', '[1]', null],
    ['a bare number', '5', null],
    ['an unknown type', '{"type":"shout","id":"c-3"}', 'c-3'],
    ['an invoke without channel', '{"type":"invoke","id":"x"}', 'x'],
    ['an id of the wrong kind', '{"type":"invoke","id":{"a":1},"channel":"app:info"}', null],
    ['a number as id (call ids are strings, unique across connections)', '{"type":"cancel","id":2}', null],
    ['an id with spaces', '{"type":"cancel","id":"a b"}', null],
    ['extra fields', '{"type":"cancel","id":"c-2","extra":true}', 'c-2'],
  ])('refuses %s as invalid-input, keeping the id when it can', (_what, raw, id) => {
    const parsed = parseClientMessage(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error.code).toBe('invalid-input');
      expect(parsed.error.message.length).toBeGreaterThan(10);
      expect(parsed.id).toEqual(id);
    }
  });
});
