import { useEffect } from 'react';
import { ConnectionBanner } from './components/connection-banner.js';
import { SweepNotice } from './components/sweep-notice.js';
import { Sidebar } from './components/sidebar.js';
import { viewFromHash } from './lib/views.js';
import { selectSetView, selectView } from './store/index.js';
import { useAppStore } from './store/provider.js';
import { DoctorView } from './views/doctor-view.js';
import { SettingsView } from './views/settings-view.js';
import { RegistryView } from './views/registry-view.js';
import { BuilderView } from './views/builder-view.js';
import { BuildView } from './views/build-view.js';
import { RunsView } from './views/runs-view.js';
import { TutorialStrip } from './views/tutorial-strip.js';

export function App() {
  const view = useAppStore(selectView);
  const setView = useAppStore(selectSetView);

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
        {view === 'registry' ? <RegistryView /> : null}
        {view === 'builder' ? <BuilderView /> : null}
        {view === 'build' ? <BuildView /> : null}
        {view === 'runs' ? <RunsView /> : null}
        {view === 'settings' ? <SettingsView /> : null}
      </main>
    </div>
  );
}
