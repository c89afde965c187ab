import { CircleCheck, CircleHelp, CircleX, Cpu, Grid2x2Check } from 'lucide-react';
import type { PlatformRun, RunFailure, RunMatrix } from '../../../core/contract/runs.js';
import type { Verdict } from '../../../core/contract/verify.js';
import { Card } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { CopyButton } from '../components/copy-button.js';
import { StatusChip } from '../components/status-chip.js';
import { formatMs } from '../components/timeline-model.js';
import type { Tone } from '../lib/status.js';
import '../styles/verify.css';

export const failureTitles: Record<RunFailure, string> = {
  mismatch: 'Wrong CPU inside: the binaries are for another platform',
  'label-mismatch': 'The list says one platform, the image says another',
  'files-mismatch': 'It ran, but its files are built for another CPU',
  'exec-format': 'exec format error: nothing here can run this CPU’s code',
  'exit-code': 'It ran, and exited with an error',
  timeout: 'It ran too long and was stopped',
  'pull-failed': 'This variant could not be pulled',
  'not-in-image': 'The image has no such platform',
  'engine-error': 'The engine could not run it',
};

const resultWords: Record<PlatformRun['result'], string> = { pass: 'pass', fail: 'fail', unverified: 'ran, not checked' };
const resultTone: Record<PlatformRun['result'], Tone> = { pass: 'ready', fail: 'failed', unverified: 'needs-action' };
const resultIcon = { pass: CircleCheck, fail: CircleX, unverified: CircleHelp } as const;

const executionWords: Record<PlatformRun['execution'], string> = { native: 'native', emulated: 'emulated', unavailable: 'no emulator', unknown: 'native or emulated: unknown' };

/** The matrix: a summary line, then one card per platform, side by side. */
export function RunsMatrix({ matrix }: { matrix: RunMatrix }) {
  const { summary } = matrix;
  return (
    <Card
      title={`Run of ${matrix.reference}`}
      icon={<Grid2x2Check aria-hidden="true" size={16} />}
      labelId="runs-matrix-title"
      className="runs-matrix-card"
      actions={
        <StatusChip
          tone={matrix.ok ? (summary.unverified ? 'needs-action' : 'ready') : 'failed'}
          label={matrix.ok ? (summary.unverified ? `${summary.passed} passed, ${summary.unverified} not checked` : 'every platform passed') : `${summary.failed} of ${matrix.runs.length} failed`}
          testId="runs-summary"
        />
      }
    >
      <p className="small muted runs-matrix-facts">
        <span>
          Digest <code title={matrix.digest}>{matrix.digest.slice(0, 19)}…</code>
          <CopyButton text={matrix.digest} label="Copy digest" />
        </span>
        <span>
          Engine <strong>{matrix.engine.arch}</strong>
          {matrix.engine.version ? ` (Docker ${matrix.engine.version})` : ''}
        </span>
        <span>
          Emulators read from {matrix.emulationSource === 'binfmt_misc' ? 'binfmt_misc' : matrix.emulationSource === 'builder' ? 'the builder’s platform list' : 'nowhere'}
        </span>
        <span>
          {new Date(matrix.startedAt).toLocaleString()} · {formatMs(matrix.durationMs)}
        </span>
        <span>Command: {matrix.command ? <code>{matrix.command.join(' ')}</code> : 'the image’s own CMD'}</span>
      </p>
      <div className="run-grid" data-testid="runs-matrix">
        {matrix.runs.map((run) => (
          <RunCard key={run.platform} run={run} />
        ))}
      </div>
    </Card>
  );
}

const verdictWords: Record<Verdict, string> = { ok: 'ok', mismatch: 'mismatch', 'will-not-start': 'will not start', unknown: 'unknown' };
const verdictTone: Record<Verdict, Tone> = { ok: 'ready', mismatch: 'failed', 'will-not-start': 'failed', unknown: 'needs-action' };

/** The verify column: what the platform's files say, read from the registry beside the run. */
function RunFiles({ run }: { run: PlatformRun }) {
  const v = run.verification;
  if (!v) return null;
  return (
    <div className="run-files" data-testid="run-verify" data-verdict={v.verdict}>
      <p className="run-output-label">
        Files <StatusChip tone={verdictTone[v.verdict]} label={verdictWords[v.verdict]} testId="run-verify-verdict" />
      </p>
      {v.entrypoint ? (
        <p className="small">
          Entrypoint <code data-testid="run-verify-entrypoint">{v.entrypoint}</code>
        </p>
      ) : null}
      {v.cause && run.explanation?.includes(v.cause) ? (
        <p className="small muted" data-testid="run-verify-summary">
          The explanation above is what the files show.
        </p>
      ) : (
        <>
          <p className="small" data-testid="run-verify-summary">
            {v.cause ?? v.summary}
          </p>
          {v.fix && v.cause ? <p className="small notice-hint">Fix: {v.fix}</p> : null}
        </>
      )}
      {v.error?.hint ? <p className="small notice-hint">{v.error.hint}</p> : null}
    </div>
  );
}

function RunCard({ run }: { run: PlatformRun }) {
  const Icon = resultIcon[run.result];
  const matched = run.result === 'pass';
  return (
    <article className={`run-card run-${run.result}`} data-platform={run.platform} data-testid={`run-card-${run.platform}`} aria-label={`${run.platform}: ${resultWords[run.result]}`}>
      <header className="run-card-head">
        <code className="run-platform">{run.platform}</code>
        <StatusChip tone={resultTone[run.result]} label={resultWords[run.result]} icon={Icon} testId="run-result" />
      </header>
      <div className="run-chips">
        <span className={`badge badge-${run.execution}`} data-testid="run-execution" title={run.executionVia}>
          <Cpu aria-hidden="true" size={12} /> {executionWords[run.execution]}
        </span>
        {run.executionVia ? <span className="small muted run-via">{run.executionVia}</span> : null}
      </div>

      <dl className="run-compare">
        <div>
          <dt>Expected</dt>
          <dd className="run-machine" data-testid="run-expected">
            {run.expectedText}
          </dd>
        </div>
        <div>
          <dt>Printed</dt>
          <dd className={`run-machine ${matched ? 'run-machine-match' : run.printed ? 'run-machine-miss' : 'run-machine-none'}`} data-testid="run-printed">
            {run.printed ?? 'nothing recognisable'}
          </dd>
        </div>
      </dl>

      {run.result === 'fail' || run.explanation ? (
        <div className={`run-explanation ${run.result === 'fail' ? 'run-explanation-fail' : ''}`} role={run.result === 'fail' ? 'alert' : undefined} data-testid="run-explanation">
          {run.failure ? <strong>{failureTitles[run.failure]}</strong> : null}
          {run.explanation ? <p>{run.explanation}</p> : null}
          {run.error?.hint ? <p className="notice-hint">{run.error.hint}</p> : null}
        </div>
      ) : null}
      {run.note ? <p className="small muted run-note">{run.note}</p> : null}
      <RunFiles run={run} />

      <dl className="run-facts">
        <dt>Exit code</dt>
        <dd data-testid="run-exit-code">{run.exitCode === null ? (run.timedOut ? 'none (stopped)' : 'none') : run.exitCode}</dd>
        <dt>Time</dt>
        <dd>
          {formatMs(run.durationMs)}
          {run.pullMs !== undefined ? <span className="muted"> + pull {formatMs(run.pullMs)}</span> : null}
        </dd>
        {run.manifestDigest ? (
          <>
            <dt>Manifest</dt>
            <dd>
              <code title={run.manifestDigest}>{run.manifestDigest.slice(0, 19)}…</code>
            </dd>
          </>
        ) : null}
        {run.configPlatform && run.configPlatform !== run.platform ? (
          <>
            <dt>Config says</dt>
            <dd>
              <code>{run.configPlatform}</code>
            </dd>
          </>
        ) : null}
      </dl>

      <div className="run-output">
        <p className="run-output-label">stdout</p>
        <pre className="log run-stdout" data-testid="run-stdout">
          {run.stdout || '(nothing)'}
        </pre>
        {run.stderr ? (
          <>
            <p className="run-output-label">stderr</p>
            <pre className="log run-stderr" data-testid="run-stderr">
              {run.stderr}
            </pre>
          </>
        ) : null}
        {run.outputTruncated ? <p className="small muted">The output was longer; only its start and end are kept.</p> : null}
      </div>
      <CommandLine args={run.command} />
    </article>
  );
}
