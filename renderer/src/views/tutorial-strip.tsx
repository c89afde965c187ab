/**
 * The guided tour, above every view while it is on: Doctor -> Registry -> Builder -> Build -> Runs, each with
 * whether it is done (read from what the app knows now) and a button to go there; the step of the area on
 * screen (or the first one not done) explains itself in the core's words.
 */
import { useEffect, useState } from 'react';
import { ArrowRight, ChevronDown, ChevronUp, CircleCheck, Circle, X } from 'lucide-react';
import type { TutorialArea } from '../../../core/contract/build.js';
import { ErrorNotice } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { selectView } from '../store/index.js';
import { navigate } from '../lib/views.js';
import { useAppStore } from '../store/provider.js';
import { selectTutorial, tutorialChecked, tutorialDone, type TutorialProgress } from '../store/tutorial-slice.js';
import '../styles/build-runs.css';

const areaNames: Record<TutorialArea, string> = { doctor: 'Doctor', registry: 'Registry', builder: 'Builder', build: 'Build', runs: 'Runs' };

export function TutorialStrip() {
  const tutorial = useAppStore(selectTutorial);
  const view = useAppStore(selectView);
  const setOpen = useAppStore((s) => s.setTutorialOpen);
  const loadTutorial = useAppStore((s) => s.loadTutorial);
  const refreshRegistry = useAppStore((s) => s.refreshRegistry);
  const loadBuilderFacts = useAppStore((s) => s.loadBuilderFacts);
  const loadRunHistory = useAppStore((s) => s.loadRunHistory);
  const haveDriver = useAppStore((s) => s.builders.defaultDriver !== null);
  const checkTourImage = useAppStore((s) => s.checkTourImage);
  const restoreRemembered = useAppStore((s) => s.restoreRemembered);
  const progress: TutorialProgress = {
    doctor: useAppStore(tutorialDone.doctor),
    registry: useAppStore(tutorialDone.registry),
    builder: useAppStore(tutorialDone.builder),
    build: useAppStore(tutorialDone.build),
    runs: useAppStore(tutorialDone.runs),
  };
  const [expanded, setExpanded] = useState(true);

  const open = tutorial.open;
  // the steps name the registry's address: read them again when the saved port changes
  const registryPort = useAppStore((s) => s.settings.value?.registry.port);
  useEffect(() => {
    if (open) void loadTutorial();
  }, [open, registryPort, loadTutorial]);
  // Whether each step is done is read from the other areas: ask them when the tour opens and when the view changes.
  // The build and runs marks are about the tour's own image: ask the registry for its tag and reread the runs too.
  const image = tutorial.image;
  useEffect(() => {
    if (!open) return;
    void restoreRemembered();
    void refreshRegistry();
    if (!haveDriver) void loadBuilderFacts();
    void loadRunHistory();
    void checkTourImage();
  }, [open, view, image, haveDriver, restoreRemembered, refreshRegistry, loadBuilderFacts, loadRunHistory, checkTourImage]);

  const steps = tutorial.steps?.steps ?? [];
  const doneCount = steps.filter((s) => progress[s.id]).length;
  const focus = steps.find((s) => s.id === view) ?? steps.find((s) => !progress[s.id]) ?? steps[steps.length - 1];
  const focusId = focus?.id;
  const checked = useAppStore((s) => (focusId ? tutorialChecked(s, focusId) : ''));
  if (!open) return null;
  const focusIndex = focus ? steps.indexOf(focus) : -1;
  const next = focusIndex >= 0 ? steps[focusIndex + 1] : undefined;

  return (
    <section className="tour" aria-labelledby="tour-title" data-testid="tutorial">
      <div className="tour-head">
        <h2 id="tour-title">Guided tour</h2>
        <span className="small muted" data-testid="tutorial-count">
          {doneCount} of {steps.length || 5} done
        </span>
        <span className="log-toolbar-spacer" />
        <button type="button" className="link-button" onClick={() => setExpanded(!expanded)} aria-expanded={expanded} aria-controls="tour-detail">
          {expanded ? <ChevronUp aria-hidden="true" size={14} /> : <ChevronDown aria-hidden="true" size={14} />}
          {expanded ? 'Less' : 'More'}
        </button>
        <button type="button" className="icon-button" onClick={() => setOpen(false)} aria-label="Close the guided tour" title="Close the guided tour">
          <X aria-hidden="true" size={14} />
        </button>
      </div>
      {tutorial.error ? (
        <ErrorNotice
          title="The tour’s text did not load"
          message={tutorial.error.message}
          hint={tutorial.error.hint}
          action={
            <button type="button" className="button" onClick={() => void loadTutorial()}>
              Try again
            </button>
          }
        />
      ) : null}
      <ol className="tour-steps">
        {steps.map((step, i) => {
          const done = progress[step.id];
          const here = step.id === view;
          return (
            <li key={step.id} className={`tour-step${done ? ' tour-step-done' : ''}${focus?.id === step.id ? ' tour-step-focus' : ''}`} data-step={step.id}>
              <button type="button" className="tour-step-button" onClick={() => navigate(step.id)} aria-current={here ? 'step' : undefined}>
                {done ? <CircleCheck aria-hidden="true" size={16} className="tour-icon-done" /> : <Circle aria-hidden="true" size={16} className="tour-icon-todo" />}
                <span className="tour-step-text">
                  <span className="tour-step-area">
                    {i + 1}. {areaNames[step.id]}
                  </span>
                  <span className="tour-step-title">{step.title}</span>
                </span>
                <span className={`chip ${done ? 'chip-ready' : 'chip-neutral'}`} data-testid={`tutorial-state-${step.id}`}>
                  {done ? 'done' : 'to do'}
                </span>
              </button>
            </li>
          );
        })}
      </ol>
      {expanded && focus ? (
        <div id="tour-detail" className="tour-detail" data-testid="tutorial-detail">
          <div className="tour-detail-main">
            <p>
              <strong>{focus.title}.</strong> {focus.goal}
            </p>
            <ol className="tour-actions">
              {focus.actions.map((a) => (
                <li key={a}>{a}</li>
              ))}
            </ol>
            <p className="small muted">Done when: {focus.doneWhen}</p>
            <p className="small" data-testid="tutorial-checked">
              <strong className={progress[focus.id] ? 'tour-done-words' : undefined}>{progress[focus.id] ? 'Done. ' : 'Not yet. '}</strong>
              Checked: {checked}
            </p>
            <div className="button-row">
              {focus.id !== view ? (
                <button type="button" className="button primary" onClick={() => navigate(focus.id)}>
                  Go to {areaNames[focus.id]}
                  <ArrowRight aria-hidden="true" size={14} />
                </button>
              ) : null}
              {next && focus.id === view ? (
                <button type="button" className={`button ${progress[focus.id] ? 'primary' : ''}`} onClick={() => navigate(next.id)}>
                  Next: {areaNames[next.id]}
                  <ArrowRight aria-hidden="true" size={14} />
                </button>
              ) : null}
            </div>
            <div className="equivalent">
              <p className="small muted">From the command line:</p>
              <CommandLine args={focus.command} />
            </div>
          </div>
          <div className="tour-explanations">
            {focus.explanations.map((e) => (
              <details key={e.title} className="tour-explanation">
                <summary>{e.title}</summary>
                <p>{e.body}</p>
              </details>
            ))}
          </div>
        </div>
      ) : null}
    </section>
  );
}

