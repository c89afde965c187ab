/** A saved run as a file people share: JSON for tools, Markdown for a pull request or an issue. Pure functions. */
import type { PlatformRun, RunExport, RunMatrix } from '../contract/runs.js';
import { formatCommand } from '../docker/exec.js';

export function exportRun(matrix: RunMatrix, format: 'json' | 'markdown'): RunExport {
  const base = `multiarch-lab-run-${matrix.id}`;
  if (format === 'json') return { id: matrix.id, format, fileName: `${base}.json`, text: `${JSON.stringify(matrix, null, 2)}\n` };
  return { id: matrix.id, format, fileName: `${base}.md`, text: runToMarkdown(matrix) };
}

/** `1.2 s`, `850 ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function resultWord(run: Pick<PlatformRun, 'result' | 'failure'>): string {
  if (run.result === 'pass') return 'pass';
  if (run.result === 'unverified') return 'ran (not checked)';
  return run.failure ? `fail (${run.failure})` : 'fail';
}

/** A table cell: pipes and newlines would break the row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').trim() || '–';
}

export function runToMarkdown(m: RunMatrix): string {
  const lines: string[] = [];
  const verdict = m.ok ? 'every platform passed' : `${m.summary.failed} of ${m.runs.length} platform${m.runs.length === 1 ? '' : 's'} failed`;
  lines.push(`# Run matrix: ${m.reference}`, '');
  lines.push(`- Result: **${verdict}** (${m.summary.passed} passed, ${m.summary.failed} failed, ${m.summary.unverified} not checked)`);
  lines.push(`- Digest: \`${m.digest}\``);
  lines.push(`- Command: ${m.command ? `\`${formatCommand(m.command)}\`` : "the image's own CMD"}`);
  lines.push(`- Engine: ${m.engine.arch} at ${m.engine.endpoint}${m.engine.version ? ` (Docker ${m.engine.version})` : ''}`);
  lines.push(`- Started: ${m.startedAt}, took ${formatDuration(m.durationMs)}`, '');
  lines.push('| platform | expected | printed | result | files | native/emulated | time |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of m.runs) {
    lines.push(`| ${cell(r.platform)} | ${cell(r.expectedText)} | ${cell(r.printed ?? '')} | ${cell(resultWord(r))} | ${cell(r.verification?.verdict ?? '')} | ${cell(r.execution)} | ${cell(formatDuration(r.durationMs))} |`);
  }
  const explained = m.runs.filter((r) => r.explanation || r.note);
  if (explained.length) {
    lines.push('', '## Notes', '');
    for (const r of explained) lines.push(`- **${r.platform}**: ${[r.explanation, r.note].filter(Boolean).join(' ')}`);
  }
  lines.push('', '## Run it yourself', '', '```sh');
  for (const r of m.runs) lines.push(formatCommand(r.command));
  lines.push('```');
  if (m.hostChoices.length) {
    lines.push('', '## Which entry each host pulls', '', '| host | pulls | why |', '| --- | --- | --- |');
    for (const c of m.hostChoices) lines.push(`| ${cell(c.host.label)} | ${cell(c.chosen ?? 'nothing')} | ${cell(c.note)} |`);
  }
  return `${lines.join('\n')}\n`;
}
