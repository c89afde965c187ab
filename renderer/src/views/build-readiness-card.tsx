import { useEffect } from 'react';
import { ListChecks, RefreshCw } from 'lucide-react';
import type { ReadinessFinding } from '../../../core/contract/build.js';
import { Card, ErrorNotice } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { StatusChip } from '../components/status-chip.js';
import { buildContext, selectBuild } from '../store/build-slice.js';
import { useAppStore } from '../store/provider.js';
import { readinessKey, selectReadiness } from '../store/readiness-slice.js';

const SEVERITY_WORDS: Record<ReadinessFinding['severity'], string> = { error: 'will fail', warning: 'likely wrong', info: 'slow or unchecked' };
const SEVERITY_TONE = { error: 'failed', warning: 'needs-action', info: 'ready' } as const;

function Finding({ f }: { f: ReadinessFinding }) {
  return (
    <li className="readiness-finding" data-rule={f.rule} data-severity={f.severity}>
      <div className="readiness-finding-head">
        <StatusChip tone={SEVERITY_TONE[f.severity]} label={SEVERITY_WORDS[f.severity]} {...(f.severity === 'info' ? { look: 'info' as const } : {})} />
        <span>
          Line {f.line}: {f.message}
        </span>
      </div>
      <pre className="mono small">
        <code>
          {f.line} | {f.text.trim()}
        </code>
      </pre>
      <p className="small">
        <strong>Why it matters for several platforms: </strong>
        {f.why}
      </p>
      <p className="small">
        <strong>The change to make: </strong>
        {f.fix}
      </p>
    </li>
  );
}

/**
 * Before the first build: the project's Dockerfile checked for the platforms chosen (base images that lack one,
 * fixed architectures, steps that would run emulated, scripts the kernel could not start). Asked again whenever
 * the project or the platforms change.
 */
export function BuildReadinessCard() {
  const build = useAppStore(selectBuild);
  const readiness = useAppStore(selectReadiness);
  const checkReadiness = useAppStore((s) => s.checkReadiness);
  const context = buildContext(build);
  const dockerfile = build.draft.source === 'folder' && build.draft.dockerfile.trim() ? build.draft.dockerfile.trim() : undefined;
  const platforms = build.draft.platforms;
  const input = context && platforms.length ? { context, platforms, ...(dockerfile ? { dockerfile } : {}) } : null;
  const key = input ? readinessKey(input) : null;
  // Checked once the Dockerfile has been read (build:check), so a folder still being typed is not checked per key press.
  const haveDockerfile = build.check !== null;

  useEffect(() => {
    if (input && haveDockerfile && key !== readiness.key) void checkReadiness(input);
    // input is rebuilt each render; key stands for it
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, haveDockerfile]);

  if (!input) return null;
  const report = readiness.key === key ? readiness.report : null;
  const error = readiness.key === key ? readiness.error : null;
  const counts = report ? (['error', 'warning', 'info'] as const).map((s) => [s, report.findings.filter((f) => f.severity === s).length] as const) : [];

  return (
    <Card
      title="Ready for every platform?"
      icon={<ListChecks aria-hidden="true" size={16} />}
      labelId="build-readiness-title"
      className="build-readiness"
      actions={
        <button type="button" className="button" onClick={() => void checkReadiness(input)} disabled={readiness.busy} aria-busy={readiness.busy}>
          <RefreshCw aria-hidden="true" size={14} />
          {readiness.busy ? 'Checking…' : 'Check again'}
        </button>
      }
    >
      <p className="small muted">
        Rules of our own, read from the Dockerfile and from each base image&apos;s registry, for {platforms.join(', ')}. Nothing is built.
      </p>
      {!haveDockerfile && !report ? <p className="small muted">Read the Dockerfile first (step 1); the check follows.</p> : null}
      {error ? <ErrorNotice title="The check did not run" message={error.message} hint={error.hint} /> : null}
      {report ? (
        <div data-testid="build-readiness">
          <p role="status">
            {report.ready ? <StatusChip tone="ready" label="ready to build" /> : <StatusChip tone="failed" label="not ready" />}{' '}
            {report.findings.length === 0
              ? `Nothing found for ${report.platforms.join(', ')}.`
              : counts
                  .filter(([, n]) => n > 0)
                  .map(([s, n]) => `${n} ${SEVERITY_WORDS[s]}`)
                  .join(', ')}{' '}
            <span className="muted small">Stages on $BUILDPLATFORM run as {report.buildPlatform}.</span>
          </p>
          {report.findings.length ? (
            <ul className="plain-list readiness-findings">
              {report.findings.map((f, i) => (
                <Finding key={`${f.rule}-${f.line}-${i}`} f={f} />
              ))}
            </ul>
          ) : null}
          {report.bases.length ? (
            <details className="disclosure">
              <summary>Base images read from their registries</summary>
              <ul className="plain-list small">
                {report.bases.map((b) => (
                  <li key={`${b.line}-${b.image}`}>
                    Line {b.line}: <code>{b.image}</code>{' '}
                    {b.cannotTell ? `cannot tell: ${b.cannotTell}` : `holds ${b.platforms?.join(', ') || 'nothing readable'}${b.missing.length ? `; lacks ${b.missing.join(', ')}` : ''}`}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
          <div className="equivalent">
            <p className="small muted">The same from the command line:</p>
            <CommandLine args={['multiarch-lab', 'check', report.context, '--platform', report.platforms.join(','), ...(dockerfile ? ['-f', dockerfile] : [])]} />
          </div>
        </div>
      ) : null}
    </Card>
  );
}
