/**
 * `serve` starts the Doctor's report before the core loads (core/early-doctor.ts): against the real engine, the
 * core's first doctor:report is that report, on the same engine access, and says what a fresh one says; the
 * next call runs afresh; a report finished too long ago is not handed out; and nobody asking stops it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCore } from '../../core/app.js';
import { startEarlyDoctor } from '../../core/early-doctor.js';

const env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` };
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-early-doctor-it-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('the Doctor started before the core', () => {
  test('the first doctor:report is the early one, the same as a fresh report; the next runs afresh', async () => {
    const early = startEarlyDoctor(env, dataDir);
    const core = createCore({ mode: 'browser', dataDir, env, early });
    try {
      expect(core.engine).toBe(early.services.engine);
      expect(core.events).toBe(early.services.events);
      const first = await core.call('doctor:report', {});
      const second = await core.call('doctor:report', {});
      expect(first.engine?.version).toBeTruthy();
      expect(first.engine?.version).toBe(second.engine?.version);
      expect(first.buildx?.version).toBe(second.buildx?.version);
      expect(first.checks.map((c) => [c.id, c.status])).toEqual(second.checks.map((c) => [c.id, c.status]));
      // the core took it (handed out once): the first call was the early report
      expect(early.take()).toBeUndefined();
    } finally {
      await core.close();
    }
  });

  test('a report that finished more than 2 s before anyone asked is not handed out', async () => {
    let clock = 0;
    const early = startEarlyDoctor(env, dataDir, () => clock);
    const core = createCore({ mode: 'browser', dataDir, env, early });
    try {
      // it finishes, then 3 s pass on its clock before anyone asks
      await early.settled;
      clock += 3000;
      expect(early.take()).toBeUndefined();
      // the core runs its own
      const report = await core.call('doctor:report', {});
      expect(report.engine?.version).toBeTruthy();
    } finally {
      await core.close();
    }
  });

  test('dropped (the server closes first), it stops', async () => {
    const early = startEarlyDoctor(env, dataDir);
    early.drop();
    expect(early.take()).toBeUndefined();
    await early.settled;
    await early.services.engine.close();
  });
});
