/**
 * A buildkitd.toml for registries the builder must reach over plain HTTP (a LAN address, k3d's
 * registry.localhost:5000). BuildKit already falls back to HTTP for localhost, so those need no entry.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export function renderBuildkitdConfig(builderName: string, registries: readonly string[]): string {
  const lines = [
    `# Written by Multiarch Lab for the builder "${builderName}".`,
    '# Each registry below is reached over plain HTTP and its certificate is not checked.',
    '',
  ];
  for (const registry of [...new Set(registries)]) {
    // The address schema allows no quotes or backslashes, so it can sit in a quoted TOML key as is.
    lines.push(`[registry."${registry}"]`, '  http = true', '  insecure = true', '');
  }
  return lines.join('\n');
}

/** <data folder>/builders/<name>/buildkitd.toml */
export function buildkitdConfigPath(dataDir: string, builderName: string): string {
  return path.join(dataDir, 'builders', builderName, 'buildkitd.toml');
}

export async function writeBuildkitdConfig(dataDir: string, builderName: string, registries: readonly string[]): Promise<string> {
  const file = buildkitdConfigPath(dataDir, builderName);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, renderBuildkitdConfig(builderName, registries), 'utf8');
  return file;
}
