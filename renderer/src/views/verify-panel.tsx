/**
 * The "Verify" action of a tag in the registry browser: each platform's files read from the registry, without
 * pulling or running it, with the verdict in words, the entrypoint as the engine would resolve it, the files built
 * for another machine, the fix, and the attestations under the platform they describe. "Compare platforms" shows
 * the same report across platforms.
 */
import { useState } from 'react';
import { FileSearch, Scale } from 'lucide-react';
import type { CheckedFile, PlatformVerification, Verdict, VerifyReport } from '../../../core/contract/verify.js';
import { formatBytes } from '../../../core/format-bytes.js';
import { ErrorNotice } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { shortDigest } from '../components/manifest-tree-model.js';
import { StatusChip } from '../components/status-chip.js';
import type { Tone } from '../lib/status.js';
import { useAppStore } from '../store/provider.js';
import { ComparePlatforms } from './compare-platforms.js';
import '../styles/verify.css';

export const verdictWords: Record<Verdict, string> = { ok: 'ok', mismatch: 'mismatch', 'will-not-start': 'will not start', unknown: 'unknown' };
export const verdictTone: Record<Verdict, Tone> = { ok: 'ready', mismatch: 'failed', 'will-not-start': 'failed', unknown: 'needs-action' };
/** What each verdict means, so the chip is never the only words. */
const verdictMeaning: Record<Verdict, string> = {
  ok: 'its programs are built for this platform and its entrypoint can start',
  mismatch: 'files in it are built for another machine than this platform',
  'will-not-start': 'the kernel would refuse to start its entrypoint',
  unknown: 'it could not be judged',
};

export function VerifyPanel({ reference }: { reference: string }) {
  const entry = useAppStore((s) => s.verify[reference]);
  const run = useAppStore((s) => s.verifyReference);
  const cancel = useAppStore((s) => s.cancelVerify);
  const [view, setView] = useState<'verify' | 'compare'>('verify');
  const report = entry?.report ?? null;
  const loading = entry?.loading ?? false;

  return (
    <section className="verify-panel" aria-labelledby="verify-title" data-testid="verify-panel">
      <div className="verify-head">
        <h3 id="verify-title">
          <FileSearch aria-hidden="true" size={14} /> Look inside every platform
        </h3>
        <div className="verify-actions">
          <button type="button" className="button" onClick={() => {
              setView('verify');
              void run(reference);
            }} disabled={loading} aria-busy={loading}>
            <FileSearch aria-hidden="true" size={14} />
            {report ? 'Verify again' : 'Verify'}
          </button>
          <button
            type="button"
            className="button"
            onClick={() => {
              setView('compare');
              if (!report && !loading) void run(reference);
            }}
            disabled={loading && !report}
            aria-pressed={view === 'compare'}
          >
            <Scale aria-hidden="true" size={14} />
            Compare platforms
          </button>
          {loading ? (
            <button type="button" className="button" onClick={() => cancel(reference)}>
              Cancel
            </button>
          ) : null}
        </div>
      </div>
      {!entry ? (
        <p className="small muted">
          Verify reads each platform’s layers from the registry (nothing is pulled or run) and checks that its programs are built for that platform and its entrypoint can start.
        </p>
      ) : null}
      {loading ? (
        <p className="muted" role="status">
          Reading every platform’s layers from the registry…
        </p>
      ) : null}
      {entry?.error ? <ErrorNotice title={`Could not verify ${reference}`} message={entry.error.message} hint={entry.error.hint} /> : null}
      {report ? view === 'compare' ? <ComparePlatforms report={report} /> : <VerifyReportView report={report} /> : null}
      <div className="equivalent">
        <p className="small muted">The same from the command line:</p>
        <div className="commands">
          <CommandLine args={['multiarch-lab', 'verify', reference]} />
        </div>
      </div>
    </section>
  );
}

function VerifyReportView({ report }: { report: VerifyReport }) {
  const notOk = report.platforms.filter((p) => p.verdict !== 'ok');
  return (
    <div data-testid="verify-report" data-verdict={report.verdict}>
      <p className="small" data-testid="verify-overall">
        {notOk.length
          ? `${notOk.length} of ${report.platforms.length} platforms are not ok: ${notOk.map((p) => `${p.platform} ${verdictWords[p.verdict]}`).join(', ')}.`
          : `All ${report.platforms.length} ${report.platforms.length === 1 ? 'platform is' : 'platforms are'} ok.`}{' '}
        <span className="muted">
          Read {report.read.layers} {report.read.layers === 1 ? 'layer' : 'layers'} once each ({formatBytes(report.read.compressedBytes)} from the registry)
          {report.read.reread ? `, ${report.read.reread.layers} of them a second time (${formatBytes(report.read.reread.compressedBytes)}) to confirm they differ only in file times,` : ''} in{' '}
          {(report.read.ms / 1000).toFixed(1)} s.
        </span>
      </p>
      <div className="verify-grid">
        {report.platforms.map((p) => (
          <PlatformCard key={`${p.platform}@${p.digest}`} p={p} />
        ))}
      </div>
    </div>
  );
}

function fileLine(f: CheckedFile): string {
  return `${f.path}${f.resolvedPath && f.resolvedPath !== f.path ? ` → ${f.resolvedPath}` : ''}`;
}

function PlatformCard({ p }: { p: PlatformVerification }) {
  const e = p.entrypoint;
  const problems = p.findings.filter((f) => f.kind !== 'ok');
  return (
    <article className={`verify-card verify-${p.verdict}`} data-testid={`verify-card-${p.platform}`} data-verdict={p.verdict} aria-label={`${p.platform}: ${verdictWords[p.verdict]}`}>
      <header className="run-card-head">
        <code className="run-platform">{p.platform}</code>
        <StatusChip tone={verdictTone[p.verdict]} label={verdictWords[p.verdict]} testId="verify-verdict" />
      </header>
      <p className="small muted">
        {verdictWords[p.verdict]}: {verdictMeaning[p.verdict]}. <code title={p.digest}>{shortDigest(p.digest, 16)}</code>
      </p>
      {e && e.argv.length ? (
        <div className="verify-entrypoint">
          <p className="small">
            Entrypoint <code>{JSON.stringify(e.argv)}</code> resolves to{' '}
            <code data-testid="verify-entrypoint">{e.path ? `${e.path}${e.resolvedPath && e.resolvedPath !== e.path ? ` → ${e.resolvedPath}` : ''}` : 'nothing (not found)'}</code>
          </p>
          {e.chain.length ? (
            <ol className="verify-chain small">
              {e.chain.map((c) => (
                <li key={fileLine(c)} className={c.ok ? undefined : 'verify-bad'}>
                  {c.ok ? '✓' : '✗'} <code>{fileLine(c)}</code>: {c.summary}
                </li>
              ))}
            </ol>
          ) : null}
        </div>
      ) : (
        <p className="small muted">The image sets no entrypoint or command.</p>
      )}
      {problems.length ? (
        <ul className="verify-findings" data-testid="verify-findings">
          {problems.map((f, i) => (
            <li key={i} className={`run-explanation ${f.kind === 'unknown' ? '' : 'run-explanation-fail'}`}>
              <p>{f.message}</p>
              {f.fix ? <p className="notice-hint">Fix: {f.fix}</p> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="small" data-testid="verify-summary">
          {p.summary}
        </p>
      )}
      {p.files.mismatched.length ? (
        <div data-testid="verify-mismatched">
          <p className="run-output-label">Built for another machine ({p.files.mismatched.length})</p>
          <ul className="small">
            {p.files.mismatched.slice(0, 20).map((f) => (
              <li key={f.path}>
                <code>{fileLine(f)}</code>: {f.summary}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <p className="small muted">
        {p.files.checked} {p.files.checked === 1 ? 'program' : 'programs'} checked on the usual paths.
        {p.host ? ` This machine: ${p.host.support}${p.host.via ? ` (${p.host.via})` : ''}.` : ''}
      </p>
      {p.attestations.length ? (
        <div data-testid="verify-attestations">
          <p className="run-output-label">Attestations of {p.platform}</p>
          <ul className="small">
            {p.attestations.map((a) => (
              <li key={a.digest}>
                <code title={a.digest}>{shortDigest(a.digest, 16)}</code>
                {a.type ? ` (${a.type})` : ''}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </article>
  );
}
