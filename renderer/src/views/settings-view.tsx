import { useEffect, useState, type FormEvent } from 'react';
import type { Settings, SettingsPatch } from '../../../core/contract/index.js';
import { imageReferenceProblem, PORT_WORDS } from '../../../core/contract/input-words.js';
import { ErrorNotice } from '../components/card.js';
import { TextField } from '../components/text-field.js';
import { PlainHttpCard } from './settings-plain-http-card.js';
import { selectLoadSettings, selectSaveSettings, selectSettings } from '../store/index.js';
import { useAppStore } from '../store/provider.js';

interface Draft {
  registryName: string;
  registryPort: string;
  registryVolume: string;
  registryImage: string;
  builderName: string;
  workspaceDir: string;
}

function draftFrom(s: Settings): Draft {
  return {
    registryName: s.registry.name,
    registryPort: String(s.registry.port),
    registryVolume: s.registry.volume,
    registryImage: s.registry.image,
    builderName: s.builder.name,
    workspaceDir: s.workspaceDir,
  };
}

function patchFrom(d: Draft): SettingsPatch {
  // The port goes as typed (a number when it reads as one) so the core's validation speaks about it.
  const port = d.registryPort.trim() === '' ? Number.NaN : Number(d.registryPort);
  return {
    registry: { name: d.registryName.trim(), port, volume: d.registryVolume.trim(), image: d.registryImage.trim() },
    builder: { name: d.builderName.trim() },
    workspaceDir: d.workspaceDir.trim(),
  };
}

export function SettingsView() {
  const settings = useAppStore(selectSettings);
  const load = useAppStore(selectLoadSettings);
  const save = useAppStore(selectSaveSettings);

  if (!settings.value) {
    return (
      <div className="view">
        <header className="view-header">
          <h1>Settings</h1>
        </header>
        {settings.error ? (
          <ErrorNotice
            title="Could not read the settings"
            message={settings.error.message}
            hint={settings.error.hint}
            action={
              <button type="button" className="button" onClick={() => void load()}>
                Try again
              </button>
            }
          />
        ) : (
          <p className="muted" role="status">
            Loading settings…
          </p>
        )}
      </div>
    );
  }
  return <SettingsForm key={settings.savedAt ?? 0} initial={settings.value} onSave={save} />;
}

function SettingsForm({ initial, onSave }: { initial: Settings; onSave: (patch: SettingsPatch) => Promise<boolean> }) {
  const { saving, error, fieldErrors, savedAt } = useAppStore(selectSettings);
  const info = useAppStore((s) => s.info);
  const [draft, setDraft] = useState<Draft>(() => draftFrom(initial));
  // The form is remounted after each save (keyed by savedAt), so "just saved" starts true then fades.
  const [justSaved, setJustSaved] = useState(() => savedAt !== null);
  useEffect(() => {
    if (!justSaved) return;
    const t = setTimeout(() => setJustSaved(false), 2500);
    return () => clearTimeout(t);
  }, [justSaved]);

  const dirty = JSON.stringify(draft) !== JSON.stringify(draftFrom(initial));
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void onSave(patchFrom(draft));
  };
  // checked as the user types, with the same words the core would answer, so Save waits for valid fields
  const live: Partial<Record<keyof Draft, string>> = {};
  const portText = draft.registryPort.trim();
  if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) live.registryPort = PORT_WORDS;
  const imageProblem = imageReferenceProblem(draft.registryImage.trim());
  if (imageProblem) live.registryImage = imageProblem;
  const invalid = Object.keys(live).length > 0;
  const field = (key: keyof Draft, errorKey: string, label: string, help: string, type: 'text' | 'port' = 'text') => {
    const id = `setting-${key}`;
    const err = live[key] ?? fieldErrors[errorKey];
    return (
      <TextField
        id={id}
        label={label}
        help={help}
        error={err}
        value={draft[key]}
        onChange={(value) => setDraft({ ...draft, [key]: value })}
        port={type === 'port'}
      />
    );
  };
  const otherErrors = Object.entries(fieldErrors).filter(([k]) => !['registry.name', 'registry.port', 'registry.volume', 'registry.image', 'builder.name', 'workspaceDir'].includes(k));

  return (
    <div className="view">
      <header className="view-header">
        <div>
          <h1>Settings</h1>
          <p className="view-lede">
            Defaults for the local registry, the builder and the workspace. Kept in{' '}
            {info ? <code>{info.settingsPath}</code> : 'the app data folder'}, shared by the desktop app, browser mode and the CLI.
          </p>
        </div>
      </header>
      <form className="card form" onSubmit={onSubmit} noValidate aria-describedby={error ? 'settings-error' : undefined}>
        <fieldset>
          <legend>Local registry</legend>
          <div className="fields">
            {field('registryName', 'registry.name', 'Container name', 'The registry container Multiarch Lab creates and manages.')}
            {field('registryPort', 'registry.port', 'Port', 'Published on this machine; images are pushed to localhost:PORT.', 'port')}
            {field('registryVolume', 'registry.volume', 'Volume', 'Named volume that keeps pushed images across restarts.')}
            {field('registryImage', 'registry.image', 'Image', 'The registry image to run, e.g. registry:2.')}
          </div>
        </fieldset>
        <fieldset>
          <legend>Builder</legend>
          <div className="fields">{field('builderName', 'builder.name', 'Builder name', 'The buildx builder Multiarch Lab creates (driver docker-container, host network).')}</div>
        </fieldset>
        <fieldset>
          <legend>Workspace</legend>
          <div className="fields">{field('workspaceDir', 'workspaceDir', 'Workspace folder', 'Where sample projects go. Leave empty for the app data folder.')}</div>
        </fieldset>
        {error ? (
          <div id="settings-error">
            <ErrorNotice title="Not saved" message={error.message} hint={error.hint ?? (otherErrors.length === 0 ? 'Fix the fields marked above, then save again.' : undefined)} />
          </div>
        ) : null}
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={saving || !dirty || invalid}>
            {saving ? 'Saving…' : 'Save'}
          </button>
          <button type="button" className="button" disabled={saving || !dirty} onClick={() => setDraft(draftFrom(initial))}>
            Discard changes
          </button>
          <span className="muted small" role="status">
            {justSaved && !dirty ? 'Saved.' : ''}
          </span>
        </div>
      </form>
      <PlainHttpCard />
    </div>
  );
}
