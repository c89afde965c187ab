import { useEffect, useState } from 'react';
import { RefreshCw } from 'lucide-react';
import { SettingsSchema, type Settings } from '../../../core/contract/settings.js';
import { ErrorNotice, SuccessNotice } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { TaskProgress } from '../components/task-progress.js';
import { selectSaveSettings, selectSettings } from '../store/index.js';
import { useAppStore } from '../store/provider.js';
import { selectRegistry, type RegistryAction } from '../store/registry-slice.js';
import { parsePort } from './registry-commands.js';
import { RegistryBrowser } from './registry-browser.js';
import { RegistryEmptyState, type RegistryDraft } from './registry-empty-state.js';
import { RegistryStatusCard } from './registry-status-card.js';
import '../styles/registry-builder.css';

const failureTitles: Record<RegistryAction, string> = {
  up: 'The registry did not start',
  stop: 'Could not stop the registry',
  start: 'Could not start the registry',
  down: 'Could not remove the registry',
  gc: 'Garbage collection did not finish',
};

function draftFromSettings(s: Settings): RegistryDraft {
  return { name: s.registry.name, port: String(s.registry.port), volume: s.registry.volume, image: s.registry.image, deleteEnabled: false };
}

export function RegistryView() {
  const registry = useAppStore(selectRegistry);
  const refresh = useAppStore((s) => s.refreshRegistry);
  const startRegistry = useAppStore((s) => s.startRegistry);
  const dismiss = useAppStore((s) => s.dismissRegistryNotice);
  const settings = useAppStore(selectSettings);
  const saveSettings = useAppStore(selectSaveSettings);
  const [edited, setEdited] = useState<RegistryDraft | null>(null);
  const [saving, setSaving] = useState(false);

  const registryName = settings.value?.registry.name;
  useEffect(() => {
    void refresh();
  }, [refresh, registryName]);

  const draft = edited ?? (settings.value ? draftFromSettings(settings.value) : null);

  /** The options become the saved defaults first, so status, the CLI and the next launch all mean the same container. */
  const start = async (d: RegistryDraft) => {
    const current = settings.value?.registry;
    const port = parsePort(d.port) ?? Number.NaN;
    const wanted = { name: d.name.trim(), port, volume: d.volume.trim(), image: d.image.trim() };
    if (!current || current.name !== wanted.name || current.port !== wanted.port || current.volume !== wanted.volume || current.image !== wanted.image) {
      setSaving(true);
      const ok = await saveSettings({ registry: wanted });
      setSaving(false);
      if (!ok) return;
    }
    setEdited(d.deleteEnabled ? { ...d, port: String(port) } : null);
    await startRegistry({ ...wanted, deleteEnabled: d.deleteEnabled });
  };

  const status = registry.status;
  const actionError = registry.actionError;
  const suggested = actionError?.suggestedPort;
  const upRunning = registry.busy === 'up';

  return (
    <div className="view">
      <header className="view-header">
        <div>
          <h1>Registry</h1>
          <p className="view-lede">A local registry holds whole multi-platform images (the local image store keeps one platform per tag), and lets you look inside them.</p>
        </div>
        <div className="view-actions">
          <button type="button" className="button" onClick={() => void refresh()} disabled={registry.loading} aria-busy={registry.loading}>
            <RefreshCw aria-hidden="true" size={14} className={registry.loading ? 'spin' : undefined} />
            Refresh
          </button>
        </div>
      </header>

      {registry.error ? (
        <ErrorNotice
          title="Could not read the registry's state"
          message={registry.error.message}
          hint={registry.error.hint ?? 'Check that Docker is running (see the Doctor), then press Refresh.'}
          action={
            <button type="button" className="button" onClick={() => void refresh()}>
              Try again
            </button>
          }
        />
      ) : null}

      {actionError && actionError.action !== 'down' ? (
        <ErrorNotice
          title={failureTitles[actionError.action]}
          message={actionError.message}
          hint={actionError.hint}
          action={
            <div className="button-row">
              {suggested !== undefined && draft ? (
                <button type="button" className="button primary" onClick={() => void start({ ...draft, port: String(suggested) })} disabled={upRunning || saving}>
                  Use port {suggested}
                </button>
              ) : null}
              <button type="button" className="button" onClick={() => dismiss('actionError')}>
                Dismiss
              </button>
            </div>
          }
        />
      ) : null}

      {upRunning || actionError?.action === 'up' ? <TaskProgress callId={registry.busyCallId} label="Starting the registry" running={upRunning} /> : null}

      {registry.lastUp ? (
        <SuccessNotice title={registry.lastUp.adopted ? 'Using the registry that was already there' : 'The registry is up'} onDismiss={() => dismiss('lastUp')}>
          <p>{registry.lastUp.message}</p>
          {registry.lastUp.notes.map((n) => (
            <p key={n} className="muted">
              {n}
            </p>
          ))}
          <p className="small">Next, push an image to it:</p>
          <CommandLine args={registry.lastUp.nextStep} />
        </SuccessNotice>
      ) : null}

      {registry.lastDown ? (
        <SuccessNotice title="Removed" onDismiss={() => dismiss('lastDown')}>
          <p>{registry.lastDown.message}</p>
        </SuccessNotice>
      ) : null}

      {!status && !registry.error ? (
        <p className="muted" role="status">
          Looking for the local registry…
        </p>
      ) : null}

      {status && (!status.exists || !status.isRegistry) && draft ? (
        <RegistryEmptyState
          name={status.name}
          {...(status.exists ? { takenBy: status.image } : {})}
          draft={draft}
          onDraft={setEdited}
          onStart={() => void start(draft)}
          savedPort={settings.value?.registry.port ?? SettingsSchema.parse({}).registry.port}
          starting={upRunning || saving}
          leftover={registry.leftover}
          fieldErrors={settings.fieldErrors}
          settingsError={settings.error}
        />
      ) : null}

      {status?.exists && status.isRegistry ? (
        <>
          <RegistryStatusCard status={status} />
          <RegistryBrowser status={status} />
        </>
      ) : null}
    </div>
  );
}
