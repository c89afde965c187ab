import type { BuildCheckResult, DockerfileWarning } from '../../../core/contract/build.js';

/** The Dockerfile as read, numbered, with warned-about lines and the line a failed build pointed at marked. */
export function BuildDockerfile({ check, failedLine }: { check: BuildCheckResult; failedLine: number | null }) {
  const lines = check.text.replace(/\n$/, '').split(/\r?\n/);
  const warned = new Map<number, DockerfileWarning>(check.warnings.map((w) => [w.line, w]));
  return (
    <details className="disclosure dockerfile" open={failedLine !== null || check.warnings.length > 0 || undefined} data-testid="build-dockerfile">
      <summary>
        Dockerfile <span className="muted small">({lines.length} lines, {check.dockerfile})</span>
        {check.warnings.length ? <span className="chip chip-needs-action">{check.warnings.length === 1 ? '1 warning' : `${check.warnings.length} warnings`}</span> : null}
      </summary>
      <ol className="dockerfile-lines" aria-label={`Lines of ${check.dockerfile}`}>
        {lines.map((text, i) => {
          const n = i + 1;
          const warning = warned.get(n);
          const failed = failedLine === n;
          return (
            <li key={n} className={`dockerfile-line${failed ? ' dockerfile-line-failed' : ''}${warning ? ' dockerfile-line-warned' : ''}`} data-line={n} title={warning?.message}>
              <span className="dockerfile-number" aria-hidden="true">
                {n}
              </span>
              {/* Tabs and spaces are what the heredoc warning is about: show tabs as arrows. */}
              <code>{visibleTabs(text) || ' '}</code>
              {failed ? <span className="visually-hidden"> (the build failed here)</span> : null}
              {warning ? <span className="visually-hidden"> (warning: {warning.message})</span> : null}
            </li>
          );
        })}
      </ol>
    </details>
  );
}

function visibleTabs(text: string): string {
  return text.replace(/\t/g, '→   ');
}
