/** The Doctor's report as text for a terminal: plain words first, then tables. No colours, so it pipes cleanly. */
import type { CheckStatus, DoctorReport, EndpointAttempt } from '../../core/index.js';
import { formatCommand } from '../../core/docker/exec.js';

const STATUS_WORD: Record<CheckStatus, string> = { ok: 'ok', warning: 'warning', missing: 'missing' };

export function renderDoctorReport(report: DoctorReport): string {
  const out: string[] = [];
  const missing = report.checks.filter((c) => c.status === 'missing').length;
  const warnings = report.checks.filter((c) => c.status === 'warning').length;
  const verdict = report.ready
    ? `ready for multi-arch work${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}`
    : `needs action: ${missing} missing piece${missing === 1 ? '' : 's'}`;
  out.push(`Multiarch Lab doctor: ${verdict}`, '');

  out.push('Engine');
  const e = report.engine;
  if (e) {
    out.push(
      ...table([
        ['Version', `Docker Engine ${e.version} (API ${e.apiVersion})`],
        ['OS/arch', `${e.os}/${e.arch}${e.operatingSystem ? `, ${e.operatingSystem}` : ''}${e.kernelVersion ? `, kernel ${e.kernelVersion}` : ''}`],
        ['Endpoint', `${e.endpoint} (${e.source})`],
        ['Image store', e.containerdImageStore ? 'containerd (keeps multi-platform images)' : `classic${e.storageDriver ? ` (${e.storageDriver})` : ''}`],
      ], '  '),
    );
  } else {
    out.push('  No Docker engine answered (see the endpoints tried below).');
  }
  out.push('');

  out.push('Buildx');
  const b = report.buildx;
  if (b.available) {
    out.push(...table([['Version', `${b.version ?? 'unknown'}${b.cliPath ? ` (${b.cliPath})` : ''}`]], '  '));
    if (b.builders.length) {
      out.push('  Builders (* = current)');
      const rows = b.builders.flatMap((builder) => {
        const nodes = builder.nodes.length ? builder.nodes : [undefined];
        return nodes.map((n, i) => [
          i === 0 ? `${builder.current ? '*' : ' '} ${builder.name}` : '',
          i === 0 ? builder.driver : '',
          n?.status ?? builder.status ?? '',
          n ? platformsText(n.platforms, n.pinnedPlatforms) + (builder.platformsTruncated ? ' …' : '') : (builder.error ?? ''),
        ]);
      });
      out.push(...table([['  NAME', 'DRIVER', 'STATUS', 'PLATFORMS'], ...rows], '    '));
    } else if (report.engine) {
      out.push('  No builders listed.');
    }
  } else {
    out.push(`  Not available${b.cliPath ? ` for ${b.cliPath}` : ' (no docker CLI found)'}${b.error ? `: ${b.error}` : ''}.`);
  }
  out.push('');

  if (report.platforms.length) {
    const source = report.emulationSource === 'binfmt_misc' ? ' (emulators read from binfmt_misc)' : report.emulationSource === 'builder' ? " (emulation as the current builder reports it)" : '';
    out.push(`Platforms${source}`);
    out.push(...table([['PLATFORM', 'SUPPORT', 'HOW'], ...report.platforms.map((p) => [p.platform, p.support, p.via ?? ''])], '  '));
    out.push('');
  }

  out.push('Endpoints tried');
  out.push(...table(report.attempts.map((a) => [attemptMark(a), a.endpoint, attemptText(a)]), '  '));
  out.push('');

  out.push('Checks');
  for (const c of report.checks) {
    out.push(`  [${STATUS_WORD[c.status]}] ${c.title}: ${c.summary}`);
    if (c.status !== 'ok' && c.fix) out.push(`      fix: ${c.fix}`);
    for (const cmd of c.status !== 'ok' ? (c.fixCommands ?? []) : []) out.push(`      $ ${formatCommand(cmd)}`);
  }
  out.push('');
  return `${out.join('\n')}\n`;
}

function platformsText(platforms: string[], pinned: string[] = []): string {
  return platforms.map((p) => (pinned.includes(p) ? `${p}*` : p)).join(', ');
}

function attemptMark(a: EndpointAttempt): string {
  if (a.selected) return 'using';
  return a.ok ? 'answers' : 'no';
}

function attemptText(a: EndpointAttempt): string {
  if (a.ok) return a.note ? `${a.source}; ${a.note}` : a.source;
  return `${a.source}: ${a.reason ?? 'no answer'}`;
}

/** Left-aligned columns; the last column is not padded so long text wraps naturally. */
function table(rows: string[][], indent: string): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => {
    if (i < row.length - 1) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  });
  return rows.map((row) => indent + row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell)).join('  ').trimEnd());
}
