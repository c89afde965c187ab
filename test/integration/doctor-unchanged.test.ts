/**
 * Issue 15 made the Doctor faster; it must not have changed what it says. The fixture is `doctor --json` as the
 * CLI printed it on the test machine before that work (commit cdb04c1). Here the Doctor runs again on the same
 * machine and must give the same report: the same keys at every level, and the same values, except the time it
 * was made and builders other sessions created or removed since (the machine is shared).
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCore, type Core } from '../../core/app.js';
import type { DoctorReport } from '../../core/contract/doctor.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'doctor', 'captured-report-before-t15.json');
const env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` };

let dataDir: string;
let core: Core;
let before: DoctorReport;
let now: DoctorReport;

/** Every key path in a JSON value, arrays by index, so two reports can be compared by shape alone. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => keyPaths(v, `${prefix}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [`${prefix}.${k}`, ...keyPaths(v, `${prefix}.${k}`)]);
  return [];
}

/** The parts a shared machine changes between two runs: the time, and builders other sessions made since. */
function comparable(report: DoctorReport, builderNames: ReadonlySet<string>): unknown {
  const { generatedAt: _generatedAt, ...rest } = report;
  return { ...rest, buildx: { ...report.buildx, builders: report.buildx.builders.filter((b) => builderNames.has(b.name)) } };
}

beforeAll(async () => {
  before = JSON.parse(await readFile(FIXTURE, 'utf8')) as DoctorReport;
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-doctor-same-'));
  core = createCore({ mode: 'cli', dataDir, env });
  now = await core.call('doctor:report', {});
});

afterAll(async () => {
  await core?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the Doctor says what it said before the speed work (same machine)', () => {
  test('the report has the same shape: the same keys at every level', () => {
    const names = new Set(before.buildx.builders.map((b) => b.name));
    expect(keyPaths(comparable(now, names))).toEqual(keyPaths(comparable(before, names)));
  });

  test('the report has the same values, apart from when it was made', () => {
    const sameMachine = now.engine?.version === before.engine?.version && now.engine?.kernelVersion === before.engine?.kernelVersion && now.buildx.version === before.buildx.version;
    if (!sameMachine) {
      // The fixture describes the test machine; elsewhere only the shape above can be compared.
      console.log(`doctor-unchanged: this is not the machine the fixture was captured on (engine ${now.engine?.version ?? 'none'}, buildx ${now.buildx.version ?? 'none'}): values not compared`);
      return;
    }
    const names = new Set(before.buildx.builders.map((b) => b.name));
    // every builder of the capture is still there (the test machine keeps its default builder)
    expect(now.buildx.builders.map((b) => b.name).filter((n) => names.has(n)).sort()).toEqual([...names].sort());
    expect(comparable(now, names)).toEqual(comparable(before, names));
  });
});
