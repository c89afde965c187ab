import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliInvocation, packageRoot } from '../../../core/cli-invocation.js';

let bin = '';
beforeAll(async () => {
  bin = await mkdtemp(path.join(os.tmpdir(), 'mal-unit-bin-'));
  await writeFile(path.join(bin, 'multiarch-lab'), '#!/bin/sh\n');
  await chmod(path.join(bin, 'multiarch-lab'), 0o755);
});
afterAll(async () => {
  if (bin) await rm(bin, { recursive: true, force: true });
});

describe('the CLI form a printed command starts with', () => {
  it('is the multiarch-lab command when it is on PATH', () => {
    expect(cliInvocation({ PATH: `${bin}:/usr/bin` })).toEqual({ prefix: ['multiarch-lab'], how: 'path' });
  });

  it('is node and the absolute path of the built CLI when the command is not on PATH', () => {
    const root = packageRoot();
    expect(root).not.toBeNull();
    const got = cliInvocation({ PATH: '/nonexistent' }, root);
    // dist/ exists once built; without it the checkout's npx form is the one that runs
    if (got.how === 'node') {
      expect(got.prefix[1]).toBe(path.join(root!, 'dist', 'cli', 'index.js'));
      expect(path.isAbsolute(got.prefix[1]!)).toBe(true);
    } else {
      expect(got).toEqual({ prefix: ['npx', 'multiarch-lab'], how: 'npx' });
    }
  });

  it('is npx from the checkout when neither exists', () => {
    expect(cliInvocation({ PATH: '/nonexistent' }, null)).toEqual({ prefix: ['npx', 'multiarch-lab'], how: 'npx' });
  });
});
