import { describe, expect, it } from 'vitest';
import type { ExecContent } from '../../../core/contract/verify.js';
import { analyzeEntrypoint, commandOf, findProgram } from '../../../core/verify/entrypoint.js';
import { expectedMachineFor, parseElf } from '../../../core/verify/elf.js';
import { LayerFs, whiteoutOf, type LayerEntry } from '../../../core/verify/layer-fs.js';
import { makeElf } from './elf-builder.js';

const file = (path: string, content?: ExecContent, mode = 0o755): LayerEntry => ({ path, kind: 'file', mode, size: 100, uid: 0, gid: 0, mtime: 0, ...(content ? { content } : {}) });
const dir = (path: string): LayerEntry => ({ path, kind: 'dir', mode: 0o755, size: 0, uid: 0, gid: 0, mtime: 0 });
const link = (path: string, target: string): LayerEntry => ({ path, kind: 'symlink', mode: 0o777, size: 0, uid: 0, gid: 0, mtime: 0, link: target });
const wh = (path: string): LayerEntry => ({ path, kind: 'whiteout', mode: 0, size: 0, uid: 0, gid: 0, mtime: 0 });
const opq = (path: string): LayerEntry => ({ path, kind: 'opaque', mode: 0, size: 0, uid: 0, gid: 0, mtime: 0 });
const elf = (machine: number, bits: 32 | 64, interpreter?: string): ExecContent => {
  const b = makeElf({ bits, machine, ...(interpreter ? { interpreter } : {}) });
  return { kind: 'elf', elf: parseElf({ head: b, size: b.length })! };
};
const ARM64 = elf(183, 64);
const X86 = elf(62, 64);

describe('whiteouts', () => {
  it('recognises .wh. files and the opaque marker', () => {
    expect(whiteoutOf('/etc/.wh.passwd')).toEqual({ kind: 'whiteout', target: '/etc/passwd' });
    expect(whiteoutOf('/.wh.tmp')).toEqual({ kind: 'whiteout', target: '/tmp' });
    expect(whiteoutOf('/opt/.wh..wh..opq')).toEqual({ kind: 'opaque', dir: '/opt' });
    expect(whiteoutOf('/etc/passwd')).toBeUndefined();
  });

  it('removes a file and a directory tree deleted in a later layer', () => {
    const fs = new LayerFs();
    fs.apply([dir('/app'), file('/app/old'), file('/app/keep'), dir('/cache'), file('/cache/a/b')]);
    fs.apply([wh('/app/old'), wh('/cache')]);
    expect([...fs.entries.keys()].sort()).toEqual(['/app', '/app/keep']);
  });

  it('empties an opaque directory of lower layers but keeps what its own layer adds', () => {
    const fs = new LayerFs();
    fs.apply([file('/opt/a'), file('/opt/b')]);
    fs.apply([opq('/opt'), file('/opt/c')]);
    expect([...fs.entries.keys()].filter((k) => k.startsWith('/opt/'))).toEqual(['/opt/c']);
  });

  it('keeps a file re-added in the same layer as its whiteout', () => {
    const fs = new LayerFs();
    fs.apply([file('/x', X86)]);
    fs.apply([file('/x', ARM64), wh('/x')]);
    expect(fs.entries.get('/x')?.content).toBe(ARM64);
  });
});

describe('resolve', () => {
  const fs = new LayerFs();
  fs.apply([dir('/usr/bin'), link('/bin', 'usr/bin'), file('/usr/bin/busybox', ARM64), link('/usr/bin/sh', 'busybox'), link('/usr/bin/abs', '/bin/sh'), link('/loop', '/loop'), link('/up', '../../../usr/bin/busybox')]);
  fs.apply([{ path: '/usr/bin/hard', kind: 'hardlink', mode: 0o755, size: 0, uid: 0, gid: 0, mtime: 0, link: '/usr/bin/busybox' }]);

  it('follows relative, absolute and directory symlinks inside the image', () => {
    expect(fs.resolve('/bin/sh').path).toBe('/usr/bin/busybox');
    expect(fs.resolve('/usr/bin/abs').path).toBe('/usr/bin/busybox');
    expect(fs.resolve('/up').path).toBe('/usr/bin/busybox');
    expect(fs.resolve('/usr/bin/hard').entry?.content).toBe(ARM64);
  });

  it('stops on a loop', () => {
    expect(fs.resolve('/loop').error).toMatch(/too many levels/);
  });
});

describe('entrypoint', () => {
  const fs = new LayerFs();
  fs.apply([
    file('/bin/busybox', ARM64),
    link('/bin/sh', 'busybox'),
    file('/app/server', X86),
    file('/app/dyn', elf(183, 64, '/lib/ld-linux-aarch64.so.1')),
    file('/app/run.sh', { kind: 'script', interpreter: '/bin/bash' }),
    file('/app/ok.sh', { kind: 'script', interpreter: '/bin/sh', argument: '-e' }),
    file('/app/crlf.sh', { kind: 'script', interpreter: '/bin/sh\r', crlf: true }),
    file('/app/data', { kind: 'other', magic: '504b0304' }),
    file('/app/noexec', ARM64, 0o644),
    file('/usr/bin/env', ARM64),
    file('/app/py.sh', { kind: 'script', interpreter: '/usr/bin/env', argument: 'python3' }),
    file('/app/sh.sh', { kind: 'script', interpreter: '/usr/bin/env', argument: '-S sh -e' }),
  ]);
  const expected = expectedMachineFor({ architecture: 'arm64' });
  const run = (entrypoint: string[] | null, cmd: string[] | null, env = ['PATH=/usr/local/bin:/bin']) => analyzeEntrypoint(fs, { entrypoint, cmd, env }, 'linux/arm64', expected);

  it('joins Entrypoint and Cmd and looks names up in the image PATH, following symlinks', () => {
    expect(commandOf({ entrypoint: ['/bin/sh', '-c'], cmd: ['echo hi'], env: [] })).toEqual(['/bin/sh', '-c', 'echo hi']);
    const r = run(null, ['sh', '-c', 'true']);
    expect(r.findings).toEqual([]);
    expect(r.resolution).toMatchObject({ path: '/bin/sh', resolvedPath: '/bin/busybox', searched: ['/usr/local/bin/sh', '/bin/sh'] });
    expect(r.resolution.chain[0]!.summary).toMatch(/AArch64/);
  });

  it('uses the default PATH when the image sets none', () => {
    expect(findProgram(fs, 'sh', { env: [] }).searched).toContain('/usr/sbin/sh');
  });

  it('names an entrypoint built for another machine', () => {
    const [f] = run(['/app/server'], null).findings;
    expect(f).toMatchObject({ kind: 'mismatch', path: '/app/server', machine: 'x86-64', expected: 'linux/arm64' });
    expect(f!.message).toMatch(/built for x86-64.*linux\/arm64/);
    expect(f!.fix).toMatch(/linux\/amd64/);
  });

  it('names a missing loader, a missing interpreter, CRLF, other bytes, no x bit, no command', () => {
    expect(run(['/app/dyn'], null).findings[0]).toMatchObject({ kind: 'will-not-start', path: '/lib/ld-linux-aarch64.so.1' });
    expect(run(['/app/run.sh'], null).findings[0]).toMatchObject({ kind: 'will-not-start', path: '/bin/bash', message: expect.stringMatching(/script for \/bin\/bash, which is not in the image/) });
    expect(run(['/app/crlf.sh'], null).findings[0]!.message).toMatch(/Windows line endings/);
    expect(run(['/app/data'], null).findings[0]!.message).toMatch(/exec format error/);
    expect(run(['/app/noexec'], null).findings[0]!.message).toMatch(/permission denied/);
    expect(run(['nothere'], null).findings[0]!.message).toMatch(/"nothere" is not in the image/);
    expect(run(null, null).findings[0]!.message).toMatch(/neither ENTRYPOINT nor CMD/);
  });

  it('follows #!/usr/bin/env NAME to NAME in PATH', () => {
    expect(run(['/app/py.sh'], null).findings[0]).toMatchObject({ kind: 'will-not-start', path: 'python3', message: expect.stringMatching(/no executable python3 is in the image's PATH/) });
    const ok = run(['/app/sh.sh'], null);
    expect(ok.findings).toEqual([]);
    expect(ok.resolution.chain.map((c) => c.resolvedPath ?? c.path)).toEqual(['/app/sh.sh', '/usr/bin/env', '/bin/busybox']);
  });

  it('follows a script to its interpreter and judges that', () => {
    const r = run(['/app/ok.sh'], null);
    expect(r.findings).toEqual([]);
    expect(r.resolution.chain.map((c) => c.path)).toEqual(['/app/ok.sh', '/bin/sh']);
  });
});
