import { useEffect, useState } from 'react';
import type { RegistryStatus, RegistryVolumeUsage } from '../../../core/contract/registry-lifecycle.js';
import { CommandLine } from '../components/command-line.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { useAppStore } from '../store/provider.js';
import { selectRegistry } from '../store/registry-slice.js';
import type { UiError } from '../store/types.js';
import { registryRemoveCommands } from '../../../core/commands/registry.js';
import { lossSentence } from './registry-commands.js';

type Existing = Extract<RegistryStatus, { exists: true }>;

export function RegistryRemoveDialog({ open, status, onClose }: { open: boolean; status: Existing; onClose(): void }) {
  const registry = useAppStore(selectRegistry);
  const readUsage = useAppStore((s) => s.readRegistryVolumeUsage);
  const remove = useAppStore((s) => s.removeRegistry);
  const [withVolume, setWithVolume] = useState(false);
  const [typed, setTyped] = useState('');
  const [usage, setUsage] = useState<RegistryVolumeUsage | null>(null);
  const [usageError, setUsageError] = useState<UiError | null>(null);
  const volume = status.volume?.name ?? null;

  // Each opening starts from the safe choice, with fresh numbers (state adjusted while rendering, as React advises).
  const [wasOpen, setWasOpen] = useState(open);
  if (open !== wasOpen) {
    setWasOpen(open);
    if (open) {
      setWithVolume(false);
      setTyped('');
      setUsage(null);
      setUsageError(null);
    }
  }

  useEffect(() => {
    if (!open || !volume) return;
    let live = true;
    readUsage().then(
      (u) => live && setUsage(u),
      (e: UiError) => live && setUsageError(e),
    );
    return () => {
      live = false;
    };
  }, [open, volume, readUsage]);

  const busy = registry.busy === 'down';
  const error = registry.actionError?.action === 'down' ? registry.actionError : null;
  const confirmed = !withVolume || typed.trim() === volume;

  const dismiss = useAppStore((s) => s.dismissRegistryNotice);
  const close = () => {
    // The failure was seen here; it should not greet the next opening.
    if (error) dismiss('actionError');
    onClose();
  };
  const onConfirm = async () => {
    if (await remove(withVolume)) onClose();
  };

  return (
    <ConfirmDialog
      open={open}
      title={`Remove the registry ${status.name}?`}
      confirmLabel={withVolume ? 'Remove container and volume' : 'Remove container'}
      busyLabel="Removing…"
      busy={busy}
      danger
      confirmDisabled={!confirmed}
      error={error}
      errorTitle="Not removed"
      onConfirm={() => void onConfirm()}
      onClose={close}
      testId="registry-remove-dialog"
    >
      <fieldset className="choice">
        <legend className="visually-hidden">What to remove</legend>
        <label className="check-field">
          <input type="radio" name="registry-remove" checked={!withVolume} onChange={() => setWithVolume(false)} />
          <span>
            <strong>The container only</strong>
            <span className="field-help">
              {volume ? (
                <>
                  The images stay in the volume <code>{volume}</code> and come back the next time you start the registry.
                </>
              ) : (
                'This registry keeps its data inside the container, so its images go with it.'
              )}
            </span>
          </span>
        </label>
        {volume ? (
          <label className="check-field">
            <input type="radio" name="registry-remove" checked={withVolume} onChange={() => setWithVolume(true)} />
            <span>
              <strong>The container and its volume {volume}</strong>
              <span className="field-help" data-testid="registry-loss">
                {usage ? lossSentence(usage) : usageError ? `How much data it holds could not be read: ${usageError.message}` : 'Measuring what it holds…'}
              </span>
              {usage && usage.usedBy.filter((c) => c !== status.name).length > 0 ? (
                <span className="field-help">Other containers use it too: {usage.usedBy.filter((c) => c !== status.name).join(', ')}. The engine refuses to remove a volume in use.</span>
              ) : null}
            </span>
          </label>
        ) : null}
      </fieldset>
      {withVolume && volume ? (
        <div className="field">
          <label htmlFor="registry-remove-confirm">
            Type <code>{volume}</code> to confirm that its images can go
          </label>
          <input id="registry-remove-confirm" type="text" value={typed} onChange={(e) => setTyped(e.target.value)} spellCheck={false} autoComplete="off" />
        </div>
      ) : null}
      <div className="commands">
        {registryRemoveCommands(status.name, volume, withVolume).map((args) => (
          <CommandLine key={args.join(' ')} args={args} />
        ))}
      </div>
    </ConfirmDialog>
  );
}
