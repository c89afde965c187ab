import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteArgs } from '../../../renderer/src/lib/shell-quote.js';

describe('quoteArgs', () => {
  it('leaves plain arguments alone and quotes the rest', () => {
    expect(quoteArgs(['docker', 'buildx', 'create', '--driver-opt', 'network=host'])).toBe('docker buildx create --driver-opt network=host');
    expect(quoteArgs(['echo', 'a b', "it's", '', '$HOME'])).toBe(`echo 'a b' 'it'\\''s' '' '$HOME'`);
  });

  it('round-trips through a real POSIX shell', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme-ascii' }).filter((s) => !s.includes('\0')), { maxLength: 6 }), (args) => {
        // printf prints each argument on its own NUL-terminated record, exactly as the shell parsed it
        const line = quoteArgs(['printf', '%s\\0', ...args]);
        const out = spawnSync('/bin/sh', ['-c', line], { encoding: 'utf8' });
        const got = args.length === 0 ? [] : out.stdout.split('\0').slice(0, -1);
        expect(got).toEqual(args.length === 0 ? [] : args);
      }),
      { numRuns: 60 },
    );
  });
});
