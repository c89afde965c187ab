/** The pure parts of the one pull: failures in words people can act on, and bytes summed for a task. */
import { describe, expect, it } from 'vitest';
import type { TaskProgress } from '../../../core/contract/tasks.js';
import type { AppError } from '../../../core/contract/errors.js';
import { pullCommand, pullFailed, taskLayerProgress } from '../../../core/docker/images.js';

describe('pullFailed', () => {
  it('says the machine is offline when the engine cannot reach the registry, naming the image', () => {
    const e = pullFailed('registry:2', new Error('(HTTP code 500) server error - Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host')) as AppError;
    expect(e.code).toBe('pull-failed');
    expect(e.message).toBe('Could not pull the image registry:2: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host');
    expect(e.hint).toMatch(/cannot reach the registry that holds registry:2/);
  });

  it('says to check the name when the image does not exist', () => {
    expect((pullFailed('lab/nope:1', { json: { message: 'manifest unknown' } }) as AppError).hint).toMatch(/Check the image name and tag \(lab\/nope:1\)/);
  });

  it('leaves engine connection errors for the caller to judge', () => {
    const dropped = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(pullFailed('x', dropped)).toBe(dropped);
  });

  it('writes the CLI equivalent with the platform when there is one', () => {
    expect(pullCommand('localhost:5000/hello:1', 'linux/arm64')).toEqual(['docker', 'pull', '--platform', 'linux/arm64', 'localhost:5000/hello:1']);
    expect(pullCommand('registry:2')).toEqual(['docker', 'pull', 'registry:2']);
  });
});

describe('taskLayerProgress', () => {
  it('sums the layers, finishes a layer at its size, and reports at the end', () => {
    const seen: TaskProgress[] = [];
    const p = taskLayerProgress({ progress: (x) => void seen.push(x) }, () => 'Pulling registry:2');
    p.onLayer('a', 100, 1000);
    p.onLayer('b', 0, 500);
    p.onLayer('a', 0, undefined); // download complete
    p.onLayer('c', 0, undefined); // a layer we never saw the size of adds nothing
    p.flush();
    expect(seen.at(-1)).toEqual({ current: 1000, total: 1500, unit: 'bytes', message: 'Pulling registry:2' });
  });
});
