import { describe, expect, it } from 'vitest';
import { createDispatch, unwrap, type Handlers } from '../../../core/dispatch.js';
import { AppError } from '../../../core/contract/errors.js';
import { channelNames } from '../../../core/contract/channels.js';

function handlersReturning(overrides: Partial<Handlers> = {}): Handlers {
  const fail = async () => {
    throw new Error('handler should not be reached');
  };
  const base = Object.fromEntries(channelNames.map((c) => [c, fail])) as unknown as Handlers;
  return { ...base, ...overrides };
}

describe('dispatch', () => {
  it('refuses an unknown channel without calling anything', async () => {
    const dispatch = createDispatch(handlersReturning());
    const env = await dispatch('registry:explode', {});
    expect(env).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
  });

  it('refuses malformed input with invalid-input before the handler runs', async () => {
    const dispatch = createDispatch(handlersReturning());
    for (const input of [{ bogus: 1 }, 42, 'text', [1, 2]]) {
      const env = await dispatch('doctor:report', input);
      expect(env).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    }
    const env = await dispatch('tasks:cancel', { id: '../../etc/passwd' });
    expect(env).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    if (!env.ok) expect(env.error.message).toContain('id');
  });

  it('passes parsed input (with defaults) to the handler and wraps its result', async () => {
    const dispatch = createDispatch(
      handlersReturning({ 'tasks:cancel': async ({ id }) => ({ cancelled: id === 'abc' }) }),
    );
    expect(await dispatch('tasks:cancel', { id: 'abc' })).toEqual({ ok: true, result: { cancelled: true } });
  });

  it('turns thrown AppErrors into serialized errors with their hint, and unknown errors into internal', async () => {
    const dispatch = createDispatch(
      handlersReturning({
        'tasks:list': async () => {
          throw new AppError('engine-unreachable', 'No engine', { hint: 'Start Docker' });
        },
        'settings:get': async () => {
          throw new TypeError('boom');
        },
      }),
    );
    expect(await dispatch('tasks:list', {})).toEqual({ ok: false, error: { code: 'engine-unreachable', message: 'No engine', hint: 'Start Docker' } });
    const env = await dispatch('settings:get', {});
    expect(env).toMatchObject({ ok: false, error: { code: 'internal', message: 'boom' } });
  });

  it('unwrap rebuilds the AppError on the calling side', () => {
    expect(() => unwrap({ ok: false, error: { code: 'port-taken', message: 'Port 5000 is taken', hint: 'Use 5001' } })).toThrowError(
      expect.objectContaining({ name: 'AppError', code: 'port-taken', hint: 'Use 5001' }),
    );
    expect(unwrap({ ok: true, result: 7 })).toBe(7);
  });
});
