import { useEffect } from 'react';
import { RefreshCw } from 'lucide-react';
import { ErrorNotice } from '../components/card.js';
import { selectBuilders } from '../store/builder-slice.js';
import { useAppStore } from '../store/provider.js';
import { BuilderAppendCard } from './builder-append-card.js';
import { BuilderCreateCard } from './builder-create-card.js';
import { BuilderDefaultDriverCard } from './builder-default-driver-card.js';
import { BuilderEmulatorsCard } from './builder-emulators-card.js';
import { BuilderListCard } from './builder-list-card.js';
import { BuilderPlainHttpCard } from './builder-plain-http-card.js';
import '../styles/registry-builder.css';

export function BuilderView() {
  const builders = useAppStore(selectBuilders);
  const loadFacts = useAppStore((s) => s.loadBuilderFacts);
  const refresh = useAppStore((s) => s.refreshBuilders);
  useEffect(() => {
    void loadFacts();
  }, [loadFacts]);
  const busy = builders.loading || builders.emulatorsLoading;

  return (
    <div className="view">
      <header className="view-header">
        <div>
          <h1>Builder</h1>
          <p className="view-lede">Buildx builders turn one Dockerfile into images for several CPU architectures, natively or through emulation.</p>
        </div>
        <div className="view-actions">
          <button type="button" className="button" onClick={() => void loadFacts()} disabled={busy} aria-busy={busy}>
            <RefreshCw aria-hidden="true" size={14} className={busy ? 'spin' : undefined} />
            Refresh
          </button>
        </div>
      </header>

      {builders.error ? (
        <ErrorNotice
          title="Could not list the builders"
          message={builders.error.message}
          hint={builders.error.hint ?? 'Check the Doctor: buildx and a running engine are needed.'}
          action={
            <button type="button" className="button" onClick={() => void refresh()}>
              Try again
            </button>
          }
        />
      ) : null}

      <div className="report">
        <BuilderListCard />
        <BuilderCreateCard />
        <BuilderPlainHttpCard />
        <div className="grid-2">
          <BuilderDefaultDriverCard />
          <BuilderEmulatorsCard />
        </div>
        <BuilderAppendCard />
      </div>
    </div>
  );
}
