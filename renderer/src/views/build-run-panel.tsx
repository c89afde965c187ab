import { PlainHttpAddButton } from '../components/plain-http-button.js';
import { useEffect, useState } from 'react';
import { Activity, ChartGantt, ListChecks, ScrollText } from 'lucide-react';
import type { BuildStepProgress, BuildStepState, PlatformProgress } from '../../../core/contract/build.js';
import type { StepState, TaskSnapshot } from '../../../core/contract/tasks.js';
import { Card } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { LogPanel } from '../components/log-panel.js';
import { StatusChip } from '../components/status-chip.js';
import { Timeline } from '../components/timeline.js';
import { buildStepWords, formatMs } from '../components/timeline-model.js';
import type { Tone } from '../lib/status.js';
import { selectBuild, selectBuildLog, selectBuildLogVersion, type BuildFailure } from '../store/build-slice.js';
import { selectDoctor } from '../store/index.js';
import { useAppStore } from '../store/provider.js';
import { BuildResultCard } from './build-result-card.js';
import { BuildTimingCard } from './build-timing-card.js';
import { supportByPlatform } from './build-model.js';

const stepTone: Record<BuildStepState, Tone | null> = {
  waiting: null,
  running: 'working',
  cached: 'ready',
  done: 'ready',
  error: 'failed',
  cancelled: 'needs-action',
};

export function BuildStateChip({ state, testId }: { state: BuildStepState; testId?: string }) {
  const tone = stepTone[state];
  if (!tone) {
    return (
      <span className="chip chip-neutral" data-testid={testId}>
        {buildStepWords[state]}
      </span>
    );
  }
  return <StatusChip tone={tone} label={buildStepWords[state]} {...(testId ? { testId } : {})} />;
}

function useNow(running: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [running]);
  return now;
}

/** Step three: the build as it runs and how it ended. */
export function BuildRunPanel() {
  const build = useAppStore(selectBuild);
  const report = useAppStore(selectDoctor).report;
  const now = useNow(build.running);
  const { request, progress, task, result, failure, cancelled, running } = build;
  if (!request) return null;

  const support = supportByPlatform(report?.platforms);
  const platforms = progress ?? [];
  const totalSteps = platforms.reduce((n, p) => n + p.steps.length, 0);
  const finishedSteps = platforms.reduce((n, p) => n + p.steps.filter((s) => s.state === 'done' || s.state === 'cached').length, 0);
  const elapsed = (build.endedAt ?? now) - (build.since ?? now);
  const overall: { state: BuildStepState; words: string } = running
    ? { state: 'running', words: build.cancelling ? 'cancelling' : 'building' }
    : result
      ? { state: 'done', words: 'pushed' }
      : cancelled
        ? { state: 'cancelled', words: 'cancelled' }
        : { state: 'error', words: 'failed' };
  const tone = stepTone[overall.state] ?? 'working';
  const commandSteps = task?.steps.filter((s) => s.command) ?? [];

  return (
    <div className="report build-run" data-testid="build-run">
      <div id="build-outcome" tabIndex={-1} className="build-outcome" data-testid="build-outcome" aria-label="The build and its result">
      <Card
        title="3. The build"
        icon={<Activity aria-hidden="true" size={16} />}
        labelId="build-run-title"
        actions={<StatusChip tone={tone} label={overall.words} testId="build-state" />}
      >
        <p className="build-run-summary">
          <strong>{request.mode === 'modern' ? 'Modern' : 'Old-school'}</strong> build of <code>{request.tag}</code> for {request.platforms.join(', ')}
          <span className="muted"> · {formatMs(Math.max(0, elapsed))}</span>
          {totalSteps ? (
            <span className="muted">
              {' '}
              · {finishedSteps} of {totalSteps} steps
            </span>
          ) : null}
        </p>
        {running ? (
          <progress className="task-progress" aria-label="Build progress" max={1} {...(totalSteps ? { value: finishedSteps / totalSteps } : {})} />
        ) : null}
        {running && task?.progress?.message ? <p className="small muted">{task.progress.message}</p> : null}
        {cancelled ? (
          <div className="notice notice-warning" role="status" data-testid="build-cancelled">
            <strong>Cancelled</strong>
            <p>The build process was stopped. Nothing from this run is reported as pushed; a tag pushed before the cancel may still be in the registry.</p>
          </div>
        ) : null}
        {failure ? <BuildFailureNotice failure={failure} /> : null}
      </Card>

      {result ? <BuildResultCard result={result} /> : null}
      {result?.timing ? <BuildTimingCard result={result} history={build.history} /> : null}
      </div>

      <section className="platform-progress-grid" aria-label="Progress per platform">
        {platforms.map((p) => (
          <PlatformCard key={p.platform} progress={p} via={support.get(p.platform)} />
        ))}
      </section>

      <Card title="Timeline" icon={<ChartGantt aria-hidden="true" size={16} />} labelId="build-timeline-title">
        <Timeline platforms={platforms} running={running} support={support} />
      </Card>

      {commandSteps.length ? (
        <Card title="What runs, as docker commands" icon={<ListChecks aria-hidden="true" size={16} />} labelId="build-steps-title">
          <ol className="step-list" data-testid="build-steps">
            {commandSteps.map((step) => (
              <li key={step.id} className={`step step-${step.state}`}>
                <TaskStepChip state={step.state} />
                <div className="step-body">
                  <span>{step.title}</span>
                  {step.detail ? <span className="muted small">{step.detail}</span> : null}
                  <CommandLine args={step.command!} />
                </div>
              </li>
            ))}
          </ol>
        </Card>
      ) : null}

      <BuildLogCard tag={request.tag} running={running} />
    </div>
  );
}

/** Only this card follows the log's version, so a stream of lines redraws the log and nothing else. */
function BuildLogCard({ tag, running }: { tag: string; running: boolean }) {
  const log = useAppStore(selectBuildLog);
  const version = useAppStore(selectBuildLogVersion);
  return (
    <Card title="Log" icon={<ScrollText aria-hidden="true" size={16} />} labelId="build-log-title">
      <LogPanel
        buffer={log}
        version={version}
        label="Build log"
        fileName={`build-${tag.replace(/[^a-zA-Z0-9._-]+/g, '-')}.log`}
        emptyText={running ? 'Waiting for the first lines…' : 'The build printed nothing.'}
        testId="build-log"
      />
    </Card>
  );
}

const taskTone: Record<StepState, Tone | null> = { pending: null, running: 'working', done: 'ready', failed: 'failed', skipped: 'ready', cancelled: 'needs-action' };
const taskWords: Record<StepState, string> = { pending: 'waiting', running: 'running', done: 'done', failed: 'failed', skipped: 'skipped', cancelled: 'cancelled' };

function TaskStepChip({ state }: { state: TaskSnapshot['steps'][number]['state'] }) {
  const tone = taskTone[state];
  return tone ? <StatusChip tone={tone} label={taskWords[state]} /> : <span className="chip chip-neutral">{taskWords[state]}</span>;
}

function stepDuration(s: BuildStepProgress): string {
  if (s.cached) return 'cached';
  if (s.startedAt === undefined) return '';
  if (s.endedAt === undefined) return '';
  return formatMs(s.endedAt - s.startedAt);
}

function PlatformCard({ progress, via }: { progress: PlatformProgress; via: { support: string; via?: string } | undefined }) {
  const total = progress.steps.length;
  const finished = progress.steps.filter((s) => s.state === 'done' || s.state === 'cached').length;
  return (
    <section className="card platform-progress" aria-label={`${progress.platform} progress`} data-platform={progress.platform}>
      <header className="platform-progress-head">
        <code className="platform-name">{progress.platform}</code>
        {via ? (
          <span className={`badge badge-${via.support}`} title={via.via}>
            {via.support}
          </span>
        ) : null}
        <BuildStateChip state={progress.state} testId={`platform-state-${progress.platform}`} />
      </header>
      <progress className="task-progress" max={1} value={total ? finished / total : 0} aria-label={`${progress.platform}: ${finished} of ${total} steps`} />
      <p className="small muted">{total ? `${finished} of ${total} steps` : 'waiting for BuildKit'}</p>
      <ol className="build-steps">
        {progress.steps.map((s, i) => (
          <li key={`${s.stage ?? ''}:${s.index ?? i}:${s.name}`} className={`build-step build-step-${s.state}`}>
            <BuildStateChip state={s.state} />
            <span className="build-step-name" title={s.error ?? s.name}>
              {s.index !== undefined && s.total !== undefined ? <span className="muted">{`${s.index}/${s.total} `}</span> : null}
              {s.name}
            </span>
            <span className="small muted build-step-time">{stepDuration(s)}</span>
            {s.error ? <span className="build-step-error">{s.error}</span> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}

function BuildFailureNotice({ failure }: { failure: BuildFailure }) {
  const where = failure.details?.dockerfileError;
  const hint = failure.hint ?? (failure.code === 'invalid-input' ? 'Fix the value named above and build again.' : undefined);
  return (
    <div className="notice notice-error" role="alert" data-testid="build-failure">
      <strong>The build failed</strong>
      <p>{failure.message}</p>
      {hint ? <p className="notice-hint">{hint}</p> : null}
      {failure.plainHttpRegistry ? (
        <div className="notice-actions">
          <PlainHttpAddButton registry={failure.plainHttpRegistry} />
        </div>
      ) : null}
      {where ? (
        <div className="failed-line" data-testid="build-failed-line">
          <p className="small">
            {where.file ?? 'Dockerfile'} line {where.line}
            {failure.details?.platform ? ` (${failure.details.platform})` : ''}:
          </p>
          {where.context?.length ? (
            <pre className="log failed-context">{where.context.join('\n')}</pre>
          ) : (
            <pre className="log failed-context">
              {where.line}: {where.text}
            </pre>
          )}
        </div>
      ) : null}
      {failure.details?.command ? (
        <>
          <p className="small muted">The command that failed:</p>
          <CommandLine args={failure.details.command} />
        </>
      ) : null}
    </div>
  );
}
