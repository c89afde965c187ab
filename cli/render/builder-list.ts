/** The text of `multiarch-lab builder ls` and `builder inspect` (no --json): one block per builder. */
import type { BuilderInfo, BuilderList } from '../../core/contract/builder.js';

export function renderBuilder(b: BuilderInfo): string {
  const lines = [`${b.name}${b.current ? ' (current)' : ''}  driver ${b.driver}  ${b.status}${b.error ? `: ${b.error}` : ''}`];
  for (const n of b.nodes) {
    const opts = Object.entries(n.driverOptions).map(([k, v]) => `${k}=${v}`).join(' ');
    lines.push(`  node ${n.name}  ${n.endpoint}  ${n.status}${n.buildkitVersion ? `  BuildKit ${n.buildkitVersion}` : ''}${opts ? `  [${opts}]` : ''}`);
    if (n.error) lines.push(`    error: ${n.error}`);
    if (n.platforms.length) lines.push(`    platforms: ${n.platforms.map((p) => (n.pinnedPlatforms.includes(p) ? `${p}*` : p)).join(', ')}${b.platformsTruncated ? ' …' : ''}`);
  }
  const remote = new Set(b.platformNodes.map((p) => p.node));
  if (b.nodes.length > 1 && remote.size > 0) {
    lines.push('  who builds what:');
    for (const p of b.platformNodes) lines.push(`    ${p.platform} → ${p.node} (${p.endpoint})${p.pinned ? ' pinned' : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderList(list: BuilderList): string {
  if (list.builders.length === 0) return 'No builders.\n';
  return `${list.builders.map(renderBuilder).join('\n')}\n(* = pinned platform; buildx ${list.buildxVersion})\n`;
}
