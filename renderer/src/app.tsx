import { useEffect } from 'react';
import { Boxes, Database, Hammer, Play } from 'lucide-react';
import { ConnectionBanner } from './components/connection-banner.js';
import { Sidebar } from './components/sidebar.js';
import { viewFromHash } from './lib/views.js';
import { selectSetView, selectView } from './store/index.js';
import { useAppStore } from './store/provider.js';
import { DoctorView } from './views/doctor-view.js';
import { PlaceholderView } from './views/placeholder-view.js';
import { SettingsView } from './views/settings-view.js';

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
        {view === 'doctor' ? <DoctorView /> : null}
        {view === 'registry' ? (
          <PlaceholderView
            title="Registry"
            icon={Database}
            purpose="Start a local registry (registry:2 on a named volume), see its repositories and tags, and look inside a manifest list: the index, each platform, its config and layers."
          />
        ) : null}
        {view === 'builder' ? (
          <PlaceholderView
            title="Builder"
            icon={Hammer}
            purpose="Create a buildx builder on the host network so it can push to the local registry, bootstrap it, and see which platforms it can build for."
          />
        ) : null}
        {view === 'build' ? (
          <PlaceholderView
            title="Build"
            icon={Boxes}
            purpose="Build one image for several platforms, both the per-platform way (build, push, manifest create) and the one-command buildx way, with a timeline per platform."
          />
        ) : null}
        {view === 'runs' ? (
          <PlaceholderView
            title="Runs"
            icon={Play}
            purpose="Run every platform variant of an image side by side and see what each one reports for uname -m."
          />
        ) : null}
        {view === 'settings' ? <SettingsView /> : null}
      </main>
    </div>
  );
}
