import { useState } from 'react';
import { Database, Eraser, Play, Square, Trash2 } from 'lucide-react';
import type { RegistryStatus } from '../../../core/contract/registry-lifecycle.js';
import { Card } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { CopyButton } from '../components/copy-button.js';
import { StatusChip } from '../components/status-chip.js';
import { formatBytes, type Tone } from '../lib/status.js';
import { useAppStore } from '../store/provider.js';
import { selectRegistry } from '../store/registry-slice.js';
import { registryRemoveCommands, registryStartCommand, registryStopCommand } from '../../../core/commands/registry.js';
import { registryGcPreview } from './registry-commands.js';
import { RegistryRemoveDialog } from './registry-remove-dialog.js';

type Existing = Extract<RegistryStatus, { exists: true }>;

/** The one chip for the whole registry: is it there for a push right now? */
export function registryTone(status: Existing): { tone: Tone; label: string } {
  if (status.running) {
    if (status.health?.ok) return { tone: 'ready', label: 'running' };
    return { tone: 'needs-action', label: 'running, not answering' };
  }
  switch (status.state) {
    case 'restarting':
      return { tone: 'working', label: 'restarting' };
    case 'dead':
      return { tone: 'failed', label: 'dead' };
    case 'paused':
      return { tone: 'needs-action', label: 'paused' };
    default:
      return { tone: 'needs-action', label: 'stopped' };
  }
}

export function RegistryStatusCard({ status }: { status: Existing }) {
  const registry = useAppStore(selectRegistry);
  const stop = useAppStore((s) => s.stopRegistry);
  const resume = useAppStore((s) => s.resumeRegistry);
  const gc = useAppStore((s) => s.collectRegistryGarbage);
  const dismiss = useAppStore((s) => s.dismissRegistryNotice);
  const [removing, setRemoving] = useState(false);
  const { tone, label } = registryTone(status);
  const busy = registry.busy;
  const health = status.health;
  const volume = status.volume;

  return (
    <Card
      title="Local registry"
      icon={<Database aria-hidden="true" size={16} />}
      labelId="registry-status-title"
      className="registry-status"
      actions={<StatusChip tone={tone} label={label} testId="registry-state" />}
    >
      <dl className="facts">
        <dt>Container</dt>
        <dd>
          <code data-testid="registry-name">{status.name}</code>
          <span className="muted small">{status.image}</span>
          {status.managed ? <span className="tag">made by Multiarch Lab</span> : <span className="tag">adopted</span>}
        </dd>
        <dt>State</dt>
        <dd>
          {status.state}
          {status.running && status.startedAt ? <span className="muted small">since {new Date(status.startedAt).toLocaleString()}</span> : null}
        </dd>
        <dt>Address</dt>
        <dd>
          {status.address ? (
            <span className="mono-inline">
              <code data-testid="registry-address">{status.address}</code>
              <CopyButton text={status.address} label="Copy address" />
            </span>
          ) : (
            <span className="muted">not published on this machine: its port is not mapped to the host</span>
          )}
        </dd>
        <dt>Restart policy</dt>
        <dd>
          <code>{status.restartPolicy || 'no'}</code>
          <span className="muted small">{status.restartPolicy === 'always' ? 'comes back when Docker restarts' : 'stays stopped when Docker restarts'}</span>
        </dd>
        <dt>Health</dt>
        <dd data-testid="registry-health">
          {health ? (
            health.ok ? (
              <>
                <StatusChip tone="ready" label="answering" />
                <span className="small">
                  <code>GET /v2/</code> → {health.status} · <code>{health.apiVersionHeader}</code>
                </span>
              </>
            ) : (
              <>
                <StatusChip tone="failed" label="not answering" />
                <span className="small">
                  <code>GET /v2/</code> → {health.status ?? 'no answer'}
                  {health.error ? ` · ${health.error.message}` : health.apiVersionHeader === null ? ' · no Docker-Distribution-Api-Version header' : ''}
                </span>
              </>
            )
          ) : (
            <span className="muted">{status.running ? 'not checked: the port is not published' : 'not checked while it is stopped'}</span>
          )}
        </dd>
        <dt>Volume</dt>
        <dd>
          {volume ? (
            <>
              <code>{volume.name}</code>
              <span className="small" data-testid="registry-volume-size">
                {volume.sizeBytes !== null ? `${formatBytes(volume.sizeBytes)} used` : 'size not reported by the engine'}
              </span>
            </>
          ) : (
            <span className="muted">no named volume: data lives in the container and goes with it</span>
          )}
        </dd>
        <dt>Repositories</dt>
        <dd data-testid="registry-repository-count">{status.repositories ?? <span className="muted">unknown until it answers</span>}</dd>
        <dt>Deletes</dt>
        <dd>
          {status.deleteEnabled ? 'enabled' : 'disabled'}
          <span className="muted small">
            {status.deleteEnabled ? 'tags can be deleted below' : 'to allow them: remove the container (keep the volume), then start it again with "Enable deletes"'}
          </span>
        </dd>
      </dl>

      <div className="button-row registry-actions">
        {status.running ? (
          <button type="button" className="button" onClick={() => void stop()} disabled={busy !== null}>
            <Square aria-hidden="true" size={14} />
            {busy === 'stop' ? 'Stopping…' : 'Stop'}
          </button>
        ) : (
          <button type="button" className="button primary" onClick={() => void resume()} disabled={busy !== null}>
            <Play aria-hidden="true" size={14} />
            {busy === 'start' ? 'Starting…' : 'Start'}
          </button>
        )}
        <button
          type="button"
          className="button"
          onClick={() => void gc()}
          disabled={busy !== null || !status.running}
          title={status.running ? 'Deletes blobs no manifest uses any more' : 'Garbage collection runs inside the registry: start it first'}
        >
          <Eraser aria-hidden="true" size={14} />
          {busy === 'gc' ? 'Collecting…' : 'Garbage collect'}
        </button>
        <button type="button" className="button danger-outline" onClick={() => setRemoving(true)} disabled={busy !== null}>
          <Trash2 aria-hidden="true" size={14} />
          Remove…
        </button>
      </div>

      {registry.lastGc ? (
        <div className="notice notice-success gc-result" role="status">
          <strong>Garbage collection finished (exit code {registry.lastGc.exitCode})</strong>
          <p>
            {registry.lastGc.blobsMarked !== null ? `${registry.lastGc.blobsMarked} blobs in use` : 'In-use blobs not counted'}
            {registry.lastGc.blobsEligible !== null ? `, ${registry.lastGc.blobsEligible} deleted` : ''}
            {registry.lastGc.manifestsEligible !== null ? `, ${registry.lastGc.manifestsEligible} untagged manifests` : ''}.
          </p>
          <CommandLine args={registry.lastGc.command} />
          {registry.lastGc.output.trim() ? (
            <details className="disclosure">
              <summary>Output</summary>
              <pre className="log">{registry.lastGc.output}</pre>
            </details>
          ) : null}
          <div className="notice-actions">
            <button type="button" className="button" onClick={() => dismiss('lastGc')}>
              Dismiss
            </button>
          </div>
        </div>
      ) : null}

      <div className="equivalent">
        <p className="small muted">The same with docker:</p>
        <table className="table compact command-table">
          <tbody>
            <tr>
              <th scope="row">{status.running ? 'Stop' : 'Start'}</th>
              <td>
                <CommandLine args={status.running ? registryStopCommand(status.name) : registryStartCommand(status.name, status.state === 'paused')} />
              </td>
            </tr>
            <tr>
              <th scope="row">Garbage collect</th>
              <td>
                <CommandLine args={registryGcPreview(status)} />
              </td>
            </tr>
            <tr>
              <th scope="row">Remove</th>
              <td>
                <div className="commands">
                  {registryRemoveCommands(status.name, volume?.name ?? null, true).map((args) => (
                    <CommandLine key={args.join(' ')} args={args} />
                  ))}
                </div>
              </td>
            </tr>
          </tbody>
        </table>
      </div>

      <RegistryRemoveDialog open={removing} status={status} onClose={() => setRemoving(false)} />
    </Card>
  );
}
