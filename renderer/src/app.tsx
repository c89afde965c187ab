import { lazy, Suspense, useEffect } from 'react';
import { ConnectionBanner } from './components/connection-banner.js';
import { SweepNotice } from './components/sweep-notice.js';
import { Sidebar } from './components/sidebar.js';
import { viewFromHash } from './lib/views.js';
import { selectDoctor, selectSetView, selectView } from './store/index.js';
import { useAppStore } from './store/provider.js';
import { DoctorView } from './views/doctor-view.js';
import { TutorialStrip } from './views/tutorial-strip.js';

/**
 * The Doctor, the first screen, comes with the page; every other view is a chunk of its own, so the page a
 * browser fetches and parses before it paints is about half the size (issue 15). The chunks are fetched as soon
 * as the Doctor's first report is in (or when a view is opened before that), so opening a view later does not wait.
 */
const viewChunks = {
  registry: () => import('./views/registry-view.js').then((m) => ({ default: m.RegistryView })),
  builder: () => import('./views/builder-view.js').then((m) => ({ default: m.BuilderView })),
  build: () => import('./views/build-view.js').then((m) => ({ default: m.BuildView })),
  runs: () => import('./views/runs-view.js').then((m) => ({ default: m.RunsView })),
  settings: () => import('./views/settings-view.js').then((m) => ({ default: m.SettingsView })),
};
const RegistryView = lazy(viewChunks.registry);
const BuilderView = lazy(viewChunks.builder);
const BuildView = lazy(viewChunks.build);
const RunsView = lazy(viewChunks.runs);
const SettingsView = lazy(viewChunks.settings);

let viewsFetched = false;
/** Fetches the other views' chunks when the browser has nothing else to do (a failed fetch is tried again on opening). */
function fetchViews(): void {
  if (viewsFetched) return;
  viewsFetched = true;
  const fetchAll = () => {
    for (const load of Object.values(viewChunks)) void load().catch(() => undefined);
  };
  if (typeof window.requestIdleCallback === 'function') window.requestIdleCallback(fetchAll, { timeout: 2000 });
  else setTimeout(fetchAll, 0);
}

export function App() {
  const view = useAppStore(selectView);
  const setView = useAppStore(selectSetView);
  const doctor = useAppStore(selectDoctor);
  const doctorAnswered = Boolean(doctor.report ?? doctor.error);

  useEffect(() => {
    if (doctorAnswered) fetchViews();
  }, [doctorAnswered]);

  useEffect(() => {
    const onHash = () => setView(viewFromHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [setView]);

  useEffect(() => {
    const titles = { doctor: 'Doctor', registry: 'Registry', builder: 'Builder', build: 'Build', runs: 'Runs', settings: 'Settings' };
    document.title = `${titles[view]} · Multiarch Lab`;
  }, [view]);

  return (
    <div className="frame">
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <Sidebar />
      <main id="content" className="content" tabIndex={-1}>
        <ConnectionBanner />
        <SweepNotice />
        <TutorialStrip />
        {view === 'doctor' ? <DoctorView /> : null}
        <Suspense fallback={<div className="view" aria-busy="true" />}>
          {view === 'registry' ? <RegistryView /> : null}
          {view === 'builder' ? <BuilderView /> : null}
          {view === 'build' ? <BuildView /> : null}
          {view === 'runs' ? <RunsView /> : null}
          {view === 'settings' ? <SettingsView /> : null}
        </Suspense>
      </main>
    </div>
  );
}
