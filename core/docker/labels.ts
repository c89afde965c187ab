/**
 * Every label the app puts on what it creates in the engine, and the one environment variable that adds
 * more (test suites mark their own resources with it, to find and remove exactly those).
 */

export const LABEL_PREFIX = 'dev.multiarch-lab';
/** On everything the app creates: containers, volumes, built images. */
export const MANAGED_LABEL = `${LABEL_PREFIX}.managed`;
/** What a container is for: `registry`, `run`. */
export const ROLE_LABEL = `${LABEL_PREFIX}.role`;
export const REGISTRY_ROLE = 'registry';
export const RUN_ROLE = 'run';
/** The label tests put on their resources (through RESOURCE_LABELS_ENV). */
export const TEST_LABEL = `${LABEL_PREFIX}.test`;

/** "k=v,k2=v2": extra labels on every container, volume and image the app creates. */
export const RESOURCE_LABELS_ENV = 'MULTIARCH_LAB_RESOURCE_LABELS';

/** The extra labels RESOURCE_LABELS_ENV asks for; keys that are not label keys are dropped. */
export function extraLabelsFrom(env: Record<string, string | undefined> | undefined): Record<string, string> {
  const raw = env?.[RESOURCE_LABELS_ENV] ?? '';
  const labels: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const eq = pair.indexOf('=');
    const key = (eq === -1 ? pair : pair.slice(0, eq)).trim();
    if (!/^[a-zA-Z0-9][a-zA-Z0-9._/-]*$/.test(key)) continue;
    labels[key] = eq === -1 ? '' : pair.slice(eq + 1).trim();
  }
  return labels;
}

/** The environment that marks everything a core creates with `dev.multiarch-lab.test=<value>`. */
export function testLabelEnv(value: string): Record<string, string> {
  return { [RESOURCE_LABELS_ENV]: `${TEST_LABEL}=${value}` };
}

/** The labels of a resource the app creates for `role` (or with no role), the extra ones first so ours win. */
export function appLabels(env: Record<string, string | undefined> | undefined, role?: string): Record<string, string> {
  return { ...extraLabelsFrom(env), [MANAGED_LABEL]: 'true', ...(role ? { [ROLE_LABEL]: role } : {}) };
}

/** `--label k=v` for each label, as the docker CLI takes them. */
export function labelArgs(labels: Record<string, string>): string[] {
  return Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
}

/** `--label dev.multiarch-lab.managed=true`: what the app adds to the commands it runs, and a person need not type. */
export const MANAGED_LABEL_ARGS: readonly string[] = labelArgs({ [MANAGED_LABEL]: 'true' });
