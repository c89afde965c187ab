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
 * A view's chunk, loaded once. A fetch that fails is fetched again, a few times, under a new address: Chromium
 * aborts every request in flight when the machine's network changes (docker adding a container's network
 * interface is enough: net::ERR_NETWORK_CHANGED), and a module that failed to load stays failed under its own
 * address, so the view (and with it the whole page) could never load again without a reload.
 */
function viewChunk<M, C>(load: () => Promise<M>, pick: (m: M) => C): () => Promise<{ default: C }> {
  let loading: Promise<{ default: C }> | undefined;
  return () =>
    (loading ??= load().then(
      (m) => ({ default: pick(m) }),
      async (error: unknown) => {
        const url = /\bhttps?:\/\/\S+?\.js\b/.exec(error instanceof Error ? error.message : String(error))?.[0];
        for (let attempt = 1; url && attempt <= 3; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
          try {
            return { default: pick((await import(/* @vite-ignore */ `${url}?retry=${attempt}`)) as M) };
          } catch {
            // the next attempt
          }
        }
        loading = undefined;
        throw error;
      },
    ));
}

/**
 * The Doctor, the first screen, comes with the page; every other view is a chunk of its own, so the page a
 * browser fetches and parses before it paints is about half the size (issue 15). The chunks are fetched as soon
 * as the Doctor's first report is in (or when a view is opened before that), so opening a view later does not wait.
 */
const viewChunks = {
  registry: viewChunk(() => import('./views/registry-view.js'), (m) => m.RegistryView),
  builder: viewChunk(() => import('./views/builder-view.js'), (m) => m.BuilderView),
  build: viewChunk(() => import('./views/build-view.js'), (m) => m.BuildView),
  runs: viewChunk(() => import('./views/runs-view.js'), (m) => m.RunsView),
  settings: viewChunk(() => import('./views/settings-view.js'), (m) => m.SettingsView),
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
