import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const fixturesDir = path.resolve(here, '../fixtures');

export function fixture(...parts: string[]): string {
  return readFileSync(path.join(fixturesDir, ...parts), 'utf8');
}
