import { Database, Play } from 'lucide-react';
import type { RegistryVolumeUsage } from '../../../core/contract/registry-lifecycle.js';
import { ErrorNotice } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { TextField } from '../components/text-field.js';
import { formatBytes } from '../lib/status.js';
import type { UiError } from '../store/types.js';
import { parsePort, registryRunPreview } from './registry-commands.js';

/** The Options form as typed (the port stays text so a half-typed value is not lost). */
export interface RegistryDraft {
  name: string;
  port: string;
  volume: string;
  image: string;
  deleteEnabled: boolean;
}

interface Props {
  /** The container name the core looked for. */
  name: string;
  /** The image of a container that holds the name but is not a registry. */
  takenBy?: string;
  draft: RegistryDraft;
  onDraft(draft: RegistryDraft): void;
  onStart(): void;
  starting: boolean;
  leftover: RegistryVolumeUsage | null;
  fieldErrors: Record<string, string>;
  settingsError: UiError | null;
  /** The port saved in the settings: what the preview shows while the typed one is not a port. */
  savedPort: number;
}

export function RegistryEmptyState({ name, takenBy, draft, onDraft, onStart, starting, leftover, fieldErrors, settingsError, savedPort }: Props) {
  const port = parsePort(draft.port);
  const field = (key: 'name' | 'port' | 'volume' | 'image', label: string, help: string) => {
    const id = `registry-option-${key}`;
    const err = fieldErrors[`registry.${key}`];
    return (
      <TextField
        id={id}
        label={label}
        help={help}
        error={err}
        value={draft[key]}
        onChange={(value) => onDraft({ ...draft, [key]: value })}
        port={key === 'port'}
      />
    );
  };
  const hasFieldErrors = Object.keys(fieldErrors).some((k) => k.startsWith('registry.'));

  return (
    <section className="card empty-state" aria-labelledby="registry-empty-title" data-testid="registry-empty">
      <Database aria-hidden="true" size={28} className="placeholder-icon" />
      <h2 id="registry-empty-title">{takenBy ? `The name ${name} is taken` : 'No local registry yet'}</h2>
      {takenBy ? (
        <p className="notice notice-warning" data-testid="registry-name-taken">
          A container named <code>{name}</code> runs <code>{takenBy}</code>, which is not a registry. Multiarch Lab leaves it alone: choose another container name under Options,
          then start.
        </p>
      ) : null}
      <p>
        {takenBy ? null : (
          <>
            There is no container named <code>{name}</code>.{' '}
          </>
        )}
        Start one here: it runs <code>{draft.image || '…'}</code>, published on{' '}
        <code>localhost:{port ?? '…'}</code>, keeping pushed images in the volume <code>{draft.volume || '…'}</code>, and restarts with Docker.
      </p>
      {leftover ? (
        <p className="muted" data-testid="registry-leftover">
          The volume <code>{leftover.volume}</code> is already there
          {leftover.sizeBytes !== null ? ` with ${formatBytes(leftover.sizeBytes)} of data` : ''}
          {leftover.repositories?.length ? ` (${leftover.repositories.length} ${leftover.repositories.length === 1 ? 'repository' : 'repositories'})` : ''}: starting
          the registry brings those images back.
        </p>
      ) : null}
      <div className="button-row">
        <button type="button" className="button primary" onClick={onStart} disabled={starting} aria-busy={starting}>
          <Play aria-hidden="true" size={14} />
          {starting ? 'Starting…' : 'Start registry'}
        </button>
      </div>
      <details className="disclosure" open={hasFieldErrors || takenBy !== undefined || undefined}>
        <summary>Options</summary>
        <p className="muted small">Saved as your registry defaults (see Settings) when you start it.</p>
        <div className="fields">
          {field('name', 'Container name', 'The container to create, or to adopt when a registry of that name exists.')}
          {field('port', 'Port', 'Published on this machine; you push to localhost:PORT.')}
          {field('volume', 'Volume', 'Named volume that keeps images across restarts and removals of the container.')}
          {field('image', 'Image', 'Pulled when it is not here yet, e.g. registry:2.')}
        </div>
        <label className="check-field">
          <input type="checkbox" checked={draft.deleteEnabled} onChange={(e) => onDraft({ ...draft, deleteEnabled: e.target.checked })} />
          <span>
            Enable deletes
            <span className="field-help"> Lets you delete tags from the image browser (sets REGISTRY_STORAGE_DELETE_ENABLED=true). Off, the registry refuses every delete.</span>
          </span>
        </label>
      </details>
      {settingsError && !hasFieldErrors ? <ErrorNotice title="The options were not saved" message={settingsError.message} hint={settingsError.hint} /> : null}
      <div className="equivalent">
        <p className="small muted">The same with docker:</p>
        <CommandLine
          args={registryRunPreview({
            name: draft.name || 'registry',
            port: port ?? savedPort,
            volume: draft.volume || 'registry_data',
            image: draft.image || 'registry:2',
            deleteEnabled: draft.deleteEnabled,
          })}
        />
      </div>
    </section>
  );
}
