/** The labels on what the app creates, and the one variable that adds more. */
import { describe, expect, it } from 'vitest';
import { registryLabels } from '../../../core/commands/registry.js';
import { appLabels, extraLabelsFrom, labelArgs, MANAGED_LABEL_ARGS, RESOURCE_LABELS_ENV, testLabelEnv } from '../../../core/docker/labels.js';

describe('labels', () => {
  it('adds the extra labels from the environment, without letting them replace ours', () => {
    expect(extraLabelsFrom({ MULTIARCH_LAB_RESOURCE_LABELS: 'dev.multiarch-lab.test=registry, team=lab ,bad key=x,flag' })).toEqual({ 'dev.multiarch-lab.test': 'registry', team: 'lab', flag: '' });
    expect(registryLabels({ MULTIARCH_LAB_RESOURCE_LABELS: 'dev.multiarch-lab.role=other' })).toEqual({ 'dev.multiarch-lab.role': 'registry', 'dev.multiarch-lab.managed': 'true' });
  });

  it('marks test resources through the same variable', () => {
    expect(testLabelEnv('runs-1')).toEqual({ [RESOURCE_LABELS_ENV]: 'dev.multiarch-lab.test=runs-1' });
    expect(appLabels(testLabelEnv('runs-1'), 'run')).toEqual({ 'dev.multiarch-lab.test': 'runs-1', 'dev.multiarch-lab.managed': 'true', 'dev.multiarch-lab.role': 'run' });
  });

  it('writes labels as the docker CLI takes them', () => {
    expect(labelArgs({ a: '1', b: '' })).toEqual(['--label', 'a=1', '--label', 'b=']);
    expect(MANAGED_LABEL_ARGS).toEqual(['--label', 'dev.multiarch-lab.managed=true']);
  });
});
