import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../core/contract/errors.js';
import { RunHistory } from '../../../core/runs/history.js';
import { sampleMatrix } from './fixtures.js';

describe('RunHistory', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-runs-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('saves a matrix as <data>/runs/<id>.json and reads it back, also from a new instance', async () => {
    const matrix = sampleMatrix();
    await new RunHistory(dataDir).save(matrix);
    expect(await readdir(path.join(dataDir, 'runs'))).toEqual([`${matrix.id}.json`]);
    expect(await new RunHistory(dataDir).get(matrix.id)).toEqual(matrix);
  });

  it('lists newest first with a summary of each run', async () => {
    const history = new RunHistory(dataDir);
    await history.save(sampleMatrix({ id: 'older', startedAt: '2026-11-01T00:00:00.000Z' }));
    await history.save(sampleMatrix({ id: 'newer', startedAt: '2026-11-02T00:00:00.000Z' }));
    const list = await history.list();
    expect(list.map((s) => s.id)).toEqual(['newer', 'older']);
    expect(list[0]).toEqual({
      id: 'newer',
      reference: 'localhost:5000/hello:1',
      digest: `sha256:${'ab'.repeat(32)}`,
      startedAt: '2026-11-02T00:00:00.000Z',
      durationMs: 2000,
      platforms: ['linux/amd64', 'linux/arm64'],
      summary: { passed: 1, failed: 1, unverified: 0 },
      ok: false,
    });
  });

  it('an empty or missing folder lists nothing', async () => {
    expect(await new RunHistory(dataDir).list()).toEqual([]);
  });

  it('skips damaged files in the list but names them when asked for one', async () => {
    const history = new RunHistory(dataDir);
    await history.save(sampleMatrix({ id: 'good' }));
    await writeFile(path.join(history.dir, 'broken.json'), '{not json');
    await writeFile(path.join(history.dir, 'notes.txt'), 'ignored');
    expect((await history.list()).map((s) => s.id)).toEqual(['good']);
    await expect(history.get('broken')).rejects.toThrow(/cannot be read: it is not valid JSON/);
  });

  it('deletes a run and says whether there was one', async () => {
    const history = new RunHistory(dataDir);
    await history.save(sampleMatrix({ id: 'gone' }));
    expect(await history.delete('gone')).toBe(true);
    expect(await history.delete('gone')).toBe(false);
    await expect(history.get('gone')).rejects.toMatchObject({ code: 'not-found', message: 'There is no saved run gone.' });
  });

  it('refuses ids that could name a file outside the folder', async () => {
    const history = new RunHistory(dataDir);
    for (const id of ['../settings', 'a/b', '', 'x'.repeat(65)]) {
      const error = await history.get(id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('invalid-input');
    }
  });

  it('makes sortable ids from the start time', () => {
    const id = RunHistory.newId(new Date('2026-11-27T04:15:02.123Z'));
    expect(id).toMatch(/^20261127-041502-[0-9a-f]{4}$/);
    expect(RunHistory.newId(new Date('2026-11-27T04:15:03Z')) > id).toBe(true);
  });
});
