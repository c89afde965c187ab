import { useState } from 'react';
import { FileJson, FileText, FolderOpen, History, RefreshCw, Trash2 } from 'lucide-react';
import type { RunSummary } from '../../../core/contract/runs.js';
import { Card, ErrorNotice } from '../components/card.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { downloadText } from '../components/log-panel.js';
import { StatusChip } from '../components/status-chip.js';
import { formatMs } from '../components/timeline-model.js';
import { useAppStore } from '../store/provider.js';
import { selectRuns } from '../store/runs-slice.js';

/** Runs kept across restarts: open one again, save it as JSON or Markdown, or delete it. */
export function RunsHistoryCard() {
  const runs = useAppStore(selectRuns);
  const load = useAppStore((s) => s.loadRunHistory);
  const openRun = useAppStore((s) => s.openRun);
  const deleteRun = useAppStore((s) => s.deleteRun);
  const exportRun = useAppStore((s) => s.exportRun);
  const [confirm, setConfirm] = useState<RunSummary | null>(null);
  const [copied, setCopied] = useState<string | null>(null);

  const save = async (id: string, format: 'json' | 'markdown') => {
    const out = await exportRun(id, format);
    if (out) downloadText(out.fileName, out.text, format === 'json' ? 'application/json' : 'text/markdown');
  };
  const copyMarkdown = async (id: string) => {
    const out = await exportRun(id, 'markdown');
    if (!out) return;
    try {
      await navigator.clipboard.writeText(out.text);
      setCopied(id);
    } catch {
      setCopied(null);
    }
  };

  const history = runs.history;
  return (
    <Card
      title="History"
      icon={<History aria-hidden="true" size={16} />}
      labelId="runs-history-title"
      actions={
        <button type="button" className="button" onClick={() => void load()} disabled={runs.historyLoading} aria-busy={runs.historyLoading}>
          <RefreshCw aria-hidden="true" size={14} className={runs.historyLoading ? 'spin' : undefined} />
          Refresh
        </button>
      }
    >
      {runs.historyError ? <ErrorNotice title="Could not read the saved runs" message={runs.historyError.message} hint={runs.historyError.hint} /> : null}
      {runs.exportError ? <ErrorNotice title="Could not export the run" message={runs.exportError.message} hint={runs.exportError.hint} /> : null}
      {runs.deleteError && !confirm ? <ErrorNotice title="Could not delete the run" message={runs.deleteError.message} hint={runs.deleteError.hint} /> : null}
      {history === null ? (
        <p className="muted" role="status">
          Reading the saved runs…
        </p>
      ) : history.length === 0 ? (
        <p className="empty" data-testid="runs-history-empty">
          No runs yet. Every run is kept here, across restarts, until you delete it.
        </p>
      ) : (
        <table className="table compact history-table" data-testid="runs-history">
          <thead>
            <tr>
              <th>When</th>
              <th>Image</th>
              <th>Platforms</th>
              <th>Result</th>
              <th>Took</th>
              <th>
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {history.map((r) => (
              <tr key={r.id} data-run={r.id} className={runs.current?.id === r.id ? 'row-current' : undefined}>
                <td className="small">{new Date(r.startedAt).toLocaleString()}</td>
                <td>
                  <code>{r.reference}</code>
                </td>
                <td className="small">{r.platforms.join(', ')}</td>
                <td>
                  <StatusChip tone={r.ok ? 'ready' : 'failed'} label={r.ok ? `${r.summary.passed} passed` : `${r.summary.failed} failed`} />
                </td>
                <td className="small">{formatMs(r.durationMs)}</td>
                <td>
                  <div className="row-actions">
                    <button type="button" className="link-button" onClick={() => void openRun(r.id)} disabled={runs.opening === r.id} aria-label={`Open the run of ${r.reference} from ${r.startedAt}`}>
                      <FolderOpen aria-hidden="true" size={13} />
                      Open
                    </button>
                    <button type="button" className="link-button" onClick={() => void save(r.id, 'json')} aria-label={`Save the run ${r.id} as JSON`}>
                      <FileJson aria-hidden="true" size={13} />
                      JSON
                    </button>
                    <button type="button" className="link-button" onClick={() => void save(r.id, 'markdown')} aria-label={`Save the run ${r.id} as Markdown`}>
                      <FileText aria-hidden="true" size={13} />
                      Markdown
                    </button>
                    <button type="button" className="link-button" onClick={() => void copyMarkdown(r.id)} aria-label={`Copy the run ${r.id} as Markdown`}>
                      {copied === r.id ? 'Copied' : 'Copy'}
                    </button>
                    <button type="button" className="link-button link-danger" onClick={() => setConfirm(r)} aria-label={`Delete the run ${r.id}`}>
                      <Trash2 aria-hidden="true" size={13} />
                      Delete
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ConfirmDialog
        open={confirm !== null}
        title="Delete this run?"
        confirmLabel="Delete"
        busyLabel="Deleting…"
        busy={confirm !== null && runs.deleting === confirm.id}
        danger
        error={runs.deleteError}
        errorTitle="Could not delete the run"
        testId="delete-run-dialog"
        onClose={() => setConfirm(null)}
        onConfirm={() => {
          if (!confirm) return;
          void deleteRun(confirm.id).then((ok) => {
            if (ok) setConfirm(null);
          });
        }}
      >
        {confirm ? (
          <p>
            The saved record of the run of <code>{confirm.reference}</code> from {new Date(confirm.startedAt).toLocaleString()} goes away: its outputs and its verdict. The image itself
            stays in the registry.
          </p>
        ) : null}
      </ConfirmDialog>
    </Card>
  );
}
