/**
 * A size in decimal units (1 kB = 1000 B), the way docker prints sizes, so our numbers match the ones
 * users see next to them in the CLI. `unknown` is what to say when the engine did not report a size.
 */
export function formatBytes(bytes: number | null | undefined, unknown = 'unknown size'): string {
  if (bytes === null || bytes === undefined) return unknown;
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 'B';
  for (const u of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = u;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${unit}`;
}
