import { useEffect } from 'react';
import { Compass } from 'lucide-react';
import { selectBuilders } from '../store/builder-slice.js';
import { useAppStore } from '../store/provider.js';
import { selectTutorial } from '../store/tutorial-slice.js';
import { BuildOptionsCard } from './build-options-card.js';
import { BuildProjectCard } from './build-project-card.js';
import { BuildReadinessCard } from './build-readiness-card.js';
import { BuildRunPanel } from './build-run-panel.js';
import '../styles/build-runs.css';

export function BuildView() {
  const refreshRegistry = useAppStore((s) => s.refreshRegistry);
  const loadBuilderFacts = useAppStore((s) => s.loadBuilderFacts);
  const haveBuilders = useAppStore(selectBuilders).list !== null;
  const tutorial = useAppStore(selectTutorial);
  const setTutorialOpen = useAppStore((s) => s.setTutorialOpen);
  const restoreRemembered = useAppStore((s) => s.restoreRemembered);

  // what the core remembers from an earlier session (browser mode starts on a new origin each time)
  useEffect(() => {
    void restoreRemembered();
  }, [restoreRemembered]);

  // The builder choice and the registry check below need both; they are cheap to ask again.
  useEffect(() => {
    void refreshRegistry();
    if (!haveBuilders) void loadBuilderFacts();
  }, [refreshRegistry, loadBuilderFacts, haveBuilders]);

  return (
    <div className="view build-view">
      <header className="view-header">
        <div>
          <h1>Build</h1>
          <p className="view-lede">Build one image for several platforms, the old-school way or the modern way, push it to your registry, and watch what each platform costs.</p>
        </div>
        <div className="view-actions">
          <button type="button" className="button" onClick={() => setTutorialOpen(!tutorial.open)} aria-pressed={tutorial.open}>
            <Compass aria-hidden="true" size={14} />
            {tutorial.open ? 'Hide the guided tour' : 'Guided tour'}
          </button>
        </div>
      </header>
      <div className="report">
        <BuildProjectCard />
        <BuildReadinessCard />
        <BuildOptionsCard />
        <BuildRunPanel />
      </div>
    </div>
  );
}
