import { useEffect, useState } from 'react';
import type { RegistryStatus } from '../../../core/contract/registry-lifecycle.js';
import { CommandLine } from '../components/command-line.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { shortDigest } from '../components/manifest-tree-model.js';
import { useAppStore } from '../store/provider.js';
import { selectRegistry } from '../store/registry-slice.js';
import { registryGcPreview } from './registry-commands.js';

type Existing = Extract<RegistryStatus, { exists: true }>;

/**
 * Garbage collection, asked first: the dry run lists the manifests no tag reaches (they would go) and those a tag
 * reaches (they stay), and the dialog says the registry is out of service while it runs.
 */
export function RegistryGcDialog({ open, status, onClose }: { open: boolean; status: Existing; onClose(): void }) {
  const registry = useAppStore(selectRegistry);
  const plan = useAppStore((s) => s.planRegistryGc);
  const collect = useAppStore((s) => s.collectRegistryGarbage);
  const [deleteUntagged, setDeleteUntagged] = useState(true);

  useEffect(() => {
    if (open) void plan();
  }, [open, plan]);

  const gcPlan = registry.gcPlan;
  const goes = gcPlan?.untagged ?? [];
  const stays = gcPlan?.kept ?? [];
  const busy = registry.busy === 'gc';
  const error = registry.actionError?.action === 'gc' ? registry.actionError : null;

  return (
    <ConfirmDialog
      open={open}
      title={`Garbage-collect ${status.name}?`}
      confirmLabel={deleteUntagged && goes.length ? `Delete ${goes.length} untagged and collect` : 'Collect'}
      busyLabel="Collecting…"
      busy={busy}
      danger
      confirmDisabled={registry.gcPlanLoading}
      error={error ?? registry.gcPlanError}
      errorTitle={error ? 'Garbage collection did not finish' : 'Could not work out what would go'}
      onConfirm={() => void collect(deleteUntagged).then((ok) => ok && onClose())}
      onClose={onClose}
      testId="registry-gc-dialog"
    >
      <p>
        While it runs, <code>{status.name}</code> is stopped: pushes to {status.address ?? 'it'} fail until it is back. It is started again as it was, and every tag is checked afterwards.
      </p>
      {registry.gcPlanLoading ? (
        <p className="muted" role="status">
          Following every tag to its manifests…
        </p>
      ) : null}
      {gcPlan ? (
        <>
          <label className="check-field">
            <input type="checkbox" checked={deleteUntagged} onChange={(e) => setDeleteUntagged(e.target.checked)} />
            <span>
              Also delete the manifests no tag reaches
              <span className="field-help"> Worked out by following each tag through its index: platforms a tagged index names stay.</span>
            </span>
          </label>
          <h3 className="small">{deleteUntagged ? `Goes (${goes.length})` : `Untagged, kept this time (${goes.length})`}</h3>
          {goes.length ? (
            <ul className="gc-list" data-testid="gc-goes">
              {goes.map((e) => (
                <li key={`${e.repository}@${e.digest}`}>
                  <code>{e.repository}</code> <code title={e.digest}>{shortDigest(e.digest, 12)}</code> {e.size !== null ? `${e.size} B` : ''} — {e.why}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted small">No manifest is untagged.</p>
          )}
          <h3 className="small">Stays ({stays.length})</h3>
          <ul className="gc-list" data-testid="gc-stays">
            {stays.map((e) => (
              <li key={`${e.repository}@${e.digest}`}>
                <code>{e.repository}</code> <code title={e.digest}>{shortDigest(e.digest, 12)}</code> — {e.why}
              </li>
            ))}
          </ul>
          <p className="small">
            Blobs no manifest uses: {gcPlan.blobsEligible ?? 'not counted'} now{deleteUntagged && goes.length ? ', more once the untagged manifests are gone' : ''}.
          </p>
        </>
      ) : null}
      <div className="commands">
        {registryGcPreview(status).map((args) => (
          <CommandLine key={args.join(' ')} args={args} />
        ))}
      </div>
    </ConfirmDialog>
  );
}
