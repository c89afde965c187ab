import { describe, expect, it } from 'vitest';
import { createDispatch, type Handlers } from '../../../core/dispatch.js';
import { channelNames } from '../../../core/contract/channels.js';
import { dockerHubWarning, imageReferenceProblem } from '../../../core/contract/input-words.js';

function refusingHandlers(): Handlers {
  const fail = async () => {
    throw new Error('handler should not be reached');
  };
  return Object.fromEntries(channelNames.map((c) => [c, fail])) as unknown as Handlers;
}

describe('input refusals in a user’s words', () => {
  it.each([
    ['localhost:5000/Hello:1', 'a repository name is lowercase'],
    ['localhost:5000/hello:', 'the tag after ":" is empty'],
    ['localhost:5000/hello world:1', 'an image reference has no spaces'],
    ['', 'name the image, e.g. localhost:5000/hello:1'],
    ['localhost:5000/hello@sha256:12', 'a digest after "@" is sha256: and 64 hex digits'],
    ['localhost:5000/-hello:1', 'a repository name is lowercase letters and digits, with ".", "_" or "-" only between them'],
  ])('%j: %s', (ref, words) => {
    expect(imageReferenceProblem(ref)).toBe(words);
  });

  it('accepts what docker accepts', () => {
    for (const ref of ['localhost:5000/hello:1', 'registry:2', 'a/b/c:v1.0-rc_1', `x@sha256:${'a'.repeat(64)}`]) expect(imageReferenceProblem(ref)).toBeNull();
  });

  it('warns that a tag without a registry goes to Docker Hub', () => {
    expect(dockerHubWarning('walk:1')).toMatch(/^walk:1 names no registry, so a push would go to Docker Hub \(docker\.io\/library\/walk:1\)/);
    expect(dockerHubWarning('me/walk:1')).toContain('docker.io/me/walk:1');
    expect(dockerHubWarning('localhost:5000/walk:1')).toBeNull();
  });

  it('the dispatch refusal names the field and what is wrong, never the channel', async () => {
    const dispatch = createDispatch(refusingHandlers());
    const build = await dispatch('build:run', { context: '/tmp/x', platforms: ['linux/amd64'], tag: 'localhost:5000/Hello:1' });
    expect(build).toMatchObject({ ok: false, error: { code: 'invalid-input', message: 'Not accepted: tag: a repository name is lowercase.' } });
    const empty = await dispatch('build:run', { context: '/tmp/x', platforms: ['linux/amd64'], tag: 'localhost:5000/hello:' });
    expect(empty).toMatchObject({ ok: false, error: { message: 'Not accepted: tag: the tag after ":" is empty.' } });
    const port = await dispatch('settings:update', { registry: { port: null } });
    expect(port).toMatchObject({ ok: false, error: { message: 'Not accepted: registry port: a port is a number from 1 to 65535.' } });
    for (const env of [build, empty, port]) if (!env.ok) expect(env.error.message).not.toMatch(/build:run|settings:update|Invalid input/);
  });
});
