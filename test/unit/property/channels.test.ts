/**
 * Property-based: every channel of the contract, through the real dispatch of a real core, fed random values and
 * near-valid requests with one field turned hostile. Whatever arrives, the answer is an envelope: `invalid-input`
 * when the schema refuses it (and then no process was started), a domain error or a result otherwise; never a
 * throw, never `internal`, never an unhandled rejection.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelNames, channels, type Channel } from '../../../core/contract/channels.js';
import type { Envelope } from '../../../core/contract/envelope.js';
import { DISPATCH_WHEN_VALID, DOMAIN_CODES, HOSTILE_VALUES, HUGE, VALID_SAMPLES, startPropertyCore, type PropertyCore } from './fixtures.js';

const RUNS_RANDOM = 60;
const RUNS_MUTATED = 80;
/** fast-check's seed comes from the run; printing it on failure makes a failure reproducible. */
const FC_OPTIONS = { verbose: 1 as const };

let pc: PropertyCore;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  pc = await startPropertyCore();
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
  await pc?.close();
});

type Mutation = 'replace' | 'append' | 'prepend' | 'element' | 'delete';

/** Sets an own property, even one named `__proto__` (as JSON.parse would make it). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The sample with one field changed the way a careless or hostile caller would change it. */
function mutate(sample: unknown, how: Mutation, key: string, value: unknown): unknown {
  const out = structuredClone(sample) as Record<string, unknown>;
  const current = Object.prototype.hasOwnProperty.call(out, key) ? out[key] : undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  switch (how) {
    case 'delete':
      delete out[key];
      return out;
    case 'append':
      if (typeof current === 'string') out[key] = current + text;
      else setOwn(out, key, value);
      return out;
    case 'prepend':
      if (typeof current === 'string') out[key] = text + current;
      else setOwn(out, key, value);
      return out;
    case 'element':
      if (Array.isArray(current) && current.length > 0) current[0] = value;
      else if (current && typeof current === 'object') {
        const inner = current as Record<string, unknown>;
        setOwn(inner, Object.keys(inner)[0] ?? 'extra', value);
      } else setOwn(out, key, value);
      return out;
    case 'replace':
      setOwn(out, key, value);
      return out;
  }
}

function nearValid(channel: Channel): fc.Arbitrary<unknown> {
  const sample = VALID_SAMPLES[channel];
  const keys = [...Object.keys(sample as object), 'extra', '__proto__', 'constructor'];
  const hostile = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_VALUES) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double()) },
  );
  const how = fc.constantFrom<Mutation>('replace', 'append', 'prepend', 'element', 'delete');
  return fc.tuple(how, fc.constantFrom(...keys), hostile).map(([h, k, v]) => mutate(sample, h, k, v));
}

const randomInput: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 3, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true, withSparseArray: true, withBoxedValues: true }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(...HOSTILE_VALUES),
);

function describeInput(input: unknown): string {
  // fast-check's printer copes with what JSON and String do not: BigInts, null prototypes, cycles
  const text = fc.stringify(input);
  return text.length > 200 ? `${text.slice(0, 200)}… (${text.length} chars)` : text;
}

/** Dispatches one input and checks the answer against what the schema says about it. */
async function checkOne(channel: Channel, input: unknown, seen: { refused: number; dispatched: number; skipped: number }): Promise<void> {
  const accepted = channels[channel].input.safeParse(input ?? {}).success;
  if (accepted && !DISPATCH_WHEN_VALID.has(channel)) {
    seen.skipped++;
    return;
  }
  const spawnsBefore = pc.spawns.length;
  let envelope: Envelope;
  try {
    envelope = await pc.core.dispatch(channel, input);
  } catch (error) {
    throw new Error(`dispatch threw for ${channel} with ${describeInput(input)}: ${String(error)}`, { cause: error });
  }
  const label = `${channel} with ${describeInput(input)}`;
  expect(envelope === null || typeof envelope !== 'object', label).toBe(false);
  if (!accepted) {
    seen.refused++;
    expect(envelope.ok, label).toBe(false);
    if (envelope.ok) return;
    expect(envelope.error.code, `${label}: ${envelope.error.message}`).toBe('invalid-input');
    // the refusal is in the user's words: it never names the internal channel
    expect(envelope.error.message, label).toMatch(/^Not accepted: /);
    expect(envelope.error.message.includes(channel), label).toBe(false);
    // the refusal names what is wrong; it does not echo a 100 kB value back
    expect(envelope.error.message.length, label).toBeLessThan(20_000);
    expect(envelope.error.message.includes(HUGE.slice(0, 1000)), label).toBe(false);
    expect(pc.spawns.length, `${label} started a process: ${JSON.stringify(pc.spawns.slice(spawnsBefore))}`).toBe(spawnsBefore);
    return;
  }
  seen.dispatched++;
  if (!envelope.ok) {
    expect(DOMAIN_CODES.has(envelope.error.code), `${label} answered ${envelope.error.code}: ${envelope.error.message}`).toBe(true);
    expect(envelope.error.message.length, label).toBeGreaterThan(0);
  }
  // What was started for a valid request is a file plus an argument array of plain strings.
  for (const spawn of pc.spawns.slice(spawnsBefore)) {
    expect(typeof spawn.file, label).toBe('string');
    expect(spawn.args.every((a) => typeof a === 'string' && !a.includes('\0')), `${label}: ${JSON.stringify(spawn)}`).toBe(true);
  }
}

// Each property runs up to 80 dispatches (RUNS_MUTATED); on a loaded 2-core machine that outlasts vitest's default 5 s.
const PROPERTY_TIMEOUT_MS = 30_000;

describe('the samples the mutations start from', () => {
  it('cover every channel, and each is accepted as it is', () => {
    expect(Object.keys(VALID_SAMPLES).sort()).toEqual([...channelNames].sort());
    for (const channel of channelNames) {
      const parsed = channels[channel].input.safeParse(VALID_SAMPLES[channel]);
      expect(parsed.success, `${channel}: ${parsed.success ? '' : parsed.error.message}`).toBe(true);
    }
  });
});

describe.each(channelNames.map((c) => [c]))('%s', (channel) => {
  it('answers random values with an envelope, refusing with invalid-input and starting nothing', async () => {
    const seen = { refused: 0, dispatched: 0, skipped: 0 };
    await fc.assert(
      fc.asyncProperty(randomInput, (input) => checkOne(channel, input, seen)),
      { ...FC_OPTIONS, numRuns: RUNS_RANDOM },
    );
    expect(seen.refused + seen.dispatched + seen.skipped).toBe(RUNS_RANDOM);
    expect(seen.refused).toBeGreaterThan(0);
  }, PROPERTY_TIMEOUT_MS);

  it('answers near-valid requests with one hostile field the same way', async () => {
    const seen = { refused: 0, dispatched: 0, skipped: 0 };
    await fc.assert(
      fc.asyncProperty(nearValid(channel), (input) => checkOne(channel, input, seen)),
      { ...FC_OPTIONS, numRuns: RUNS_MUTATED },
    );
    expect(seen.refused).toBeGreaterThan(0);
  }, PROPERTY_TIMEOUT_MS);
});

describe('after all of it', () => {
  it('no promise was left rejected and unhandled, nothing polluted Object.prototype', () => {
    expect(unhandled).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('the core still answers', async () => {
    const info = await pc.core.dispatch('app:info', {});
    expect(info.ok).toBe(true);
  });
});
