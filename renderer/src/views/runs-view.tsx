import { useEffect } from 'react';
import { Boxes, Play, Search } from 'lucide-react';
import { exampleRunReference } from '../../../core/commands/registry.js';
import { runPlatformCommand } from '../../../core/commands/runs.js';
import { SettingsSchema } from '../../../core/contract/settings.js';
import { Card, ErrorNotice } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { TaskProgress } from '../components/task-progress.js';
import { selectBuild } from '../store/build-slice.js';
import { selectDoctor, selectSettings } from '../store/index.js';
import { useAppStore } from '../store/provider.js';
import { commandArgs, selectRuns } from '../store/runs-slice.js';
import { navigate, supportByPlatform } from './build-model.js';
import { RunsHistoryCard } from './runs-history-card.js';
import { RunsHostsTable } from './runs-hosts-table.js';
import { RunsMatrix } from './runs-matrix.js';
import '../styles/build-runs.css';

const supportWords = { native: 'native', emulated: 'emulated', unavailable: 'no emulator' } as const;

export function RunsView() {
  const runs = useAppStore(selectRuns);
  const lastReference = useAppStore(selectBuild).lastReference;
  const report = useAppStore(selectDoctor).report;
  const registryPort = useAppStore(selectSettings).value?.registry.port ?? SettingsSchema.parse({}).registry.port;
  const setReference = useAppStore((s) => s.setRunsReference);
  const setCommand = useAppStore((s) => s.setRunsCommand);
  const lookup = useAppStore((s) => s.lookupRunReference);
  const toggle = useAppStore((s) => s.toggleRunPlatform);
  const start = useAppStore((s) => s.startRuns);
  const loadHistory = useAppStore((s) => s.loadRunHistory);

  const reference = runs.reference ?? lastReference ?? '';
  const ref = reference.trim();
  const looked = runs.lookup && runs.lookup.reference === ref ? runs.lookup : null;
  const support = supportByPlatform(report?.platforms);
  const chosen = looked ? (runs.selected ?? looked.imagePlatforms) : [];
  useEffect(() => {
    void loadHistory();
  }, [loadHistory]);

  // A reference that arrives from elsewhere (the last build) is read at once; typing waits for Read platforms.
  const arrived = runs.reference === null ? (lastReference ?? '') : '';
  const lookedRef = runs.lookup?.reference ?? null;
  useEffect(() => {
    if (arrived && arrived !== lookedRef) void lookup(arrived);
  }, [arrived, lookedRef, lookup]);

  const canRun = !!ref && !runs.running && (!looked || chosen.length > 0);
  const runLabel = looked ? `Run ${chosen.length} ${chosen.length === 1 ? 'platform' : 'platforms'}` : 'Run every platform';

  return (
    <div className="view runs-view">
      <header className="view-header">
        <div>
          <h1>Runs</h1>
          <p className="view-lede">Run every platform of an image side by side and check that each one says it runs on the machine it was built for.</p>
        </div>
      </header>

      <div className="report">
        <Card title="Image to run" icon={<Boxes aria-hidden="true" size={16} />} labelId="runs-image-title">
          {!ref && !runs.current ? (
            <div className="empty-inline" data-testid="runs-empty">
              <p className="empty">No image yet. Build one (its reference lands here), or type the reference of a multi-platform image in a registry.</p>
              <button type="button" className="button" onClick={() => navigate('build')}>
                Go to Build
              </button>
            </div>
          ) : null}
          <form
            className="runs-form"
            onSubmit={(e) => {
              e.preventDefault();
              void lookup(ref);
            }}
          >
            <div className="field runs-reference">
              <label htmlFor="runs-reference">Image reference</label>
              <div className="input-row">
                <input
                  id="runs-reference"
                  value={reference}
                  onChange={(e) => setReference(e.target.value)}
                  placeholder={exampleRunReference(registryPort)}
                  spellCheck={false}
                  autoComplete="off"
                  disabled={runs.running}
                  aria-describedby="runs-reference-help"
                />
                <button type="submit" className="button" disabled={!ref || runs.lookupLoading || runs.running} aria-busy={runs.lookupLoading}>
                  <Search aria-hidden="true" size={14} />
                  {runs.lookupLoading ? 'Reading…' : 'Read platforms'}
                </button>
              </div>
              <p id="runs-reference-help" className="field-help">
                {lastReference && runs.reference === null ? 'The last build’s image. ' : ''}Its platforms are read from the registry; each one is pulled and run with that platform.
              </p>
            </div>
          </form>

          <div className="field runs-command">
            <label htmlFor="runs-command">Command (optional)</label>
            <div className="input-row">
              <input
                id="runs-command"
                value={runs.command}
                onChange={(e) => setCommand(e.target.value)}
                placeholder="the image’s own command"
                spellCheck={false}
                autoComplete="off"
                disabled={runs.running}
                aria-describedby="runs-command-help"
              />
              <button type="button" className="button" onClick={() => setCommand('uname -m')} disabled={runs.running || runs.command.trim() === 'uname -m'}>
                Use uname -m
              </button>
            </div>
            <p id="runs-command-help" className="field-help">
              Runs instead of the image’s CMD, split at spaces. An image whose CMD is a shell prints nothing without a terminal: uname -m shows the machine.
            </p>
          </div>

          {runs.lookupError ? <ErrorNotice title="Could not read the image’s platforms" message={runs.lookupError.message} hint={runs.lookupError.hint} /> : null}

          {looked ? (
            <fieldset className="choice" disabled={runs.running}>
              <legend className="field-label">
                Platforms of this image <span className="muted small">({looked.imagePlatforms.length} in the list)</span>
              </legend>
              <div className="platform-grid">
                {looked.imagePlatforms.map((p) => {
                  const s = support.get(p)?.support;
                  return (
                    <label key={p} className="check-field platform-option">
                      <input type="checkbox" checked={chosen.includes(p)} onChange={(e) => toggle(p, e.target.checked)} aria-label={s ? `${p} (${supportWords[s]} here)` : p} />
                      <span>
                        <code className="platform-name">{p}</code>
                        {s ? <span className={`badge badge-${s}`}>{supportWords[s]} here</span> : null}
                      </span>
                    </label>
                  );
                })}
              </div>
              {chosen.length ? (
                <details className="disclosure">
                  <summary>What will run ({chosen.length === 1 ? 'one container' : `${chosen.length} containers, two at a time`})</summary>
                  <div className="commands">
                    {chosen.map((p) => (
                      <CommandLine key={p} args={runPlatformCommand(p, ref, commandArgs(runs.command))} />
                    ))}
                  </div>
                </details>
              ) : (
                <p className="small muted">Pick at least one platform.</p>
              )}
            </fieldset>
          ) : null}

          <div className="form-actions">
            <button type="button" className="button primary" onClick={() => void start(ref)} disabled={!canRun} aria-busy={runs.running}>
              <Play aria-hidden="true" size={14} />
              {runs.running ? 'Running…' : runLabel}
            </button>
          </div>
        </Card>

        {runs.running || runs.runError ? <TaskProgress callId={runs.callId} label="Running every platform" running={runs.running} /> : null}
        {runs.runError ? <ErrorNotice title="The run did not finish" message={runs.runError.message} hint={runs.runError.hint} /> : null}

        {runs.current ? <RunsMatrix matrix={runs.current} /> : null}
        {runs.current?.hostChoices.length ? (
          <RunsHostsTable reference={runs.current.reference} choices={runs.current.hostChoices} />
        ) : looked?.choices.length ? (
          <RunsHostsTable reference={looked.reference} choices={looked.choices} />
        ) : null}
        <RunsHistoryCard />
      </div>
    </div>
  );
}
