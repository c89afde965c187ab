/** The labels on everything the app creates in the engine. */

/**
 * Extra labels for everything the app creates, from MULTIARCH_LAB_RESOURCE_LABELS ("k=v,k2=v2").
 * Test suites use it to find and remove exactly their own resources.
 */
export function extraLabelsFrom(env: NodeJS.ProcessEnv): Record<string, string> {
  const raw = env.MULTIARCH_LAB_RESOURCE_LABELS ?? '';
  const labels: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const eq = pair.indexOf('=');
    const key = (eq === -1 ? pair : pair.slice(0, eq)).trim();
    if (!/^[a-zA-Z0-9][a-zA-Z0-9._/-]*$/.test(key)) continue;
    labels[key] = eq === -1 ? '' : pair.slice(eq + 1).trim();
  }
  return labels;
}
