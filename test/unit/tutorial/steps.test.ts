import { describe, expect, test } from 'vitest';
import { getTutorialSteps } from '../../../core/tutorial/steps.js';

describe('the tutorial path', () => {
  const { steps, glossary } = getTutorialSteps();

  test('Doctor → Registry → Builder → Build → Runs, each with a command and a way to know it is done', () => {
    expect(steps.map((s) => s.id)).toEqual(['doctor', 'registry', 'builder', 'build', 'runs']);
    for (const s of steps) {
      expect(s.command[0]).toBe('multiarch-lab');
      expect(s.actions.length).toBeGreaterThan(0);
      expect(s.doneWhen).not.toBe('');
    }
  });

  test('explains manifests, manifest lists, registries, platforms and the name amd64', () => {
    const titles = glossary.map((g) => g.title);
    expect(titles).toEqual(expect.arrayContaining(['What is a manifest?', 'What is a manifest list?', 'Why is a registry needed?', 'What is a platform?', 'Why is it called amd64?']));
    const amd64 = glossary.find((g) => g.title === 'Why is it called amd64?');
    expect(amd64?.body).toMatch(/AMD designed the 64-bit extension of x86/);
    const registry = glossary.find((g) => g.title === 'Why is a registry needed?');
    expect(registry?.body).toMatch(/one platform per tag/);
  });

  test('callers get a copy: changing it does not change the next answer', () => {
    steps[0]!.title = 'changed';
    expect(getTutorialSteps().steps[0]?.title).toBe('Check the machine');
  });
});
