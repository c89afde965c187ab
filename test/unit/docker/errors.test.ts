/** dockerode failures in the engine's own words, and as AppErrors. */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../core/contract/errors.js';
import { engineFailure, engineMessage, isEngineConnectionError } from '../../../core/docker/errors.js';

describe('engine errors', () => {
  it('keeps the engine\'s own words from a dockerode error', () => {
    expect(engineMessage({ statusCode: 404, json: { message: 'No such container: x' }, message: '(HTTP code 404) no such container - No such container: x ' })).toBe('No such container: x');
    expect(engineMessage(new Error('(HTTP code 500) server error - failed to resolve reference "docker.io/library/registry:nope"'))).toBe('failed to resolve reference "docker.io/library/registry:nope"');
  });

  it('turns a dropped connection into engine-unreachable and has the engine looked for again', () => {
    let invalidated = 0;
    const engine = { invalidate: () => void invalidated++ };
    const dropped = Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' });
    expect(isEngineConnectionError(dropped)).toBe(true);
    const e = engineFailure(engine, dropped, 'look at the container r', ['docker', 'container', 'inspect', 'r']);
    expect(e.code).toBe('engine-unreachable');
    expect(e.message).toBe('The Docker engine stopped answering while trying to look at the container r (ECONNREFUSED).');
    expect(invalidated).toBe(1);
  });

  it('maps the engine status to conflict / not-found / command-failed, with the command to try', () => {
    const engine = { invalidate: () => undefined };
    const conflict = engineFailure(engine, { statusCode: 409, json: { message: 'name in use' } }, 'create r', ['docker', 'run', 'r']);
    expect(conflict.code).toBe('conflict');
    expect(conflict.message).toBe('The engine could not create r: name in use');
    expect(conflict.hint).toBe('Run the same thing yourself to see more: docker run r');
    expect(engineFailure(engine, { statusCode: 404, message: 'gone' }, 'x').code).toBe('not-found');
    expect(engineFailure(engine, { statusCode: 500, message: 'boom' }, 'x').code).toBe('command-failed');
    const already = new AppError('cancelled', 'stop');
    expect(engineFailure(engine, already, 'x')).toBe(already);
  });
});
