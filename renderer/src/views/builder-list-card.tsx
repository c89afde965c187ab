import { useState } from 'react';
import { CirclePause, Hammer, Trash2 } from 'lucide-react';
import { dockerCommand, removeArgs } from '../../../core/commands/builder.js';
import type { BuilderInfo } from '../../../core/contract/builder.js';
import { Card, ErrorNotice, SuccessNotice } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { StatusChip } from '../components/status-chip.js';
import type { Tone } from '../lib/status.js';
import { selectBuilders } from '../store/builder-slice.js';
import { useAppStore } from '../store/provider.js';

export function builderTone(status: string): Tone {
  if (status === 'running') return 'ready';
  if (status === 'error') return 'failed';
  if (status === 'starting' || status === 'stopping') return 'working';
  return 'needs-action';
}

/** A builder that has not started yet is normal (it starts on its first build): no warning sign for it. */
export function BuilderStatusChip({ status }: { status: string }) {
  if (status === 'inactive' || status === 'stopped') return <StatusChip tone="needs-action" label={status} icon={CirclePause} look="info" />;
  return <StatusChip tone={builderTone(status)} label={status} />;
}

/** Every platform the builder can build, pinned ones first, without repeats across nodes. */
export function builderPlatforms(b: BuilderInfo): string[] {
  return [...new Set(b.nodes.flatMap((n) => n.platforms))];
}

/** Driver options as buildx prints them: key=value, e.g. network=host. */
export function driverOptionPairs(b: BuilderInfo): string[] {
  return [...new Set(b.nodes.flatMap((n) => Object.entries(n.driverOptions).map(([k, v]) => `${k}=${v}`)))];
}

const MAX_PLATFORMS_SHOWN = 4;

export function BuilderListCard() {
  const builders = useAppStore(selectBuilders);
  const use = useAppStore((s) => s.useBuilder);
  const dismiss = useAppStore((s) => s.dismissBuilderNotice);
  const [removing, setRemoving] = useState<BuilderInfo | null>(null);
  const list = builders.list;

  return (
    <Card
      title="Builders"
      icon={<Hammer aria-hidden="true" size={16} />}
      labelId="builders-title"
      actions={list ? <span className="muted small">buildx {list.buildxVersion}</span> : null}
    >
      {builders.rowError && builders.rowError.action === 'use' ? (
        <ErrorNotice
          title={`Could not switch to ${builders.rowError.name}`}
          message={builders.rowError.error.message}
          hint={builders.rowError.error.hint}
          onDismiss={() => dismiss('rowError')}
        />
      ) : null}
      {builders.removed ? (
        <SuccessNotice title={<>Removed {builders.removed.name}</>} testId="builder-removed" onDismiss={() => dismiss('removed')}>
          <p>
            Nothing left behind: no container{' '}
            {builders.removed.checked.containers.map((c) => (
              <code key={c}>{c}</code>
            ))}
            {builders.removed.checked.volumes.length ? (
              <>
                {' '}
                and no volume{' '}
                {builders.removed.checked.volumes.map((v) => (
                  <code key={v}>{v}</code>
                ))}
              </>
            ) : null}
            .{builders.removed.keptVolumes.length ? ` Kept on purpose: ${builders.removed.keptVolumes.join(', ')}.` : ''}
          </p>
          <CommandLine args={builders.removed.command} />
        </SuccessNotice>
      ) : null}
      {!list ? (
        <p className="muted" role="status">
          {builders.loading ? 'Asking buildx for its builders…' : 'No builder list yet.'}
        </p>
      ) : list.builders.length === 0 ? (
        <p className="empty">buildx lists no builders. Create the host-networked builder below.</p>
      ) : (
        <table className="table builders-table" data-testid="builders">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Driver</th>
              <th scope="col">Status</th>
              <th scope="col">Platforms</th>
              <th scope="col">Nodes and options</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.builders.map((b) => {
              const platforms = builderPlatforms(b);
              const options = driverOptionPairs(b);
              const pending = builders.pending[b.name];
              return (
                <tr key={b.name} data-builder={b.name}>
                  <td>
                    <code>{b.name}</code>
                    {b.current ? <span className="tag">current</span> : null}
                  </td>
                  <td data-field="driver">{b.driver}</td>
                  <td>
                    <BuilderStatusChip status={b.status} />
                    {b.status === 'inactive' ? <span className="muted small block">starts on its first build</span> : null}
                    {b.error ? <span className="small block task-error">{b.error}</span> : null}
                  </td>
                  <td className="small" title={platforms.join(', ')}>
                    {platforms.length ? (
                      <>
                        {platforms.slice(0, MAX_PLATFORMS_SHOWN).join(', ')}
                        {platforms.length > MAX_PLATFORMS_SHOWN ? <span className="muted"> and {platforms.length - MAX_PLATFORMS_SHOWN} more</span> : null}
                        {b.platformsTruncated ? <span className="muted"> (buildx shortened the list)</span> : null}
                      </>
                    ) : (
                      <span className="muted">known once it has started</span>
                    )}
                  </td>
                  <td className="small">
                    {b.nodes.length > 1 ? (
                      <ul className="plain-list">
                        {b.nodes.map((n) => (
                          <li key={n.name} data-node={n.name}>
                            <code>{n.name}</code> <span className="muted">{n.endpoint}</span> · {n.status}
                            <NodePlatforms node={n} />
                          </li>
                        ))}
                      </ul>
                    ) : b.nodes[0] ? (
                      <span className="muted">{b.nodes[0].endpoint}</span>
                    ) : null}
                    {options.length ? (
                      <span className="block" data-field="driver-options">
                        {options.map((o) => (
                          <code key={o} className="option">
                            {o}
                          </code>
                        ))}
                      </span>
                    ) : null}
                  </td>
                  <td className="row-actions">
                    <div>
                      <button type="button" className="button" onClick={() => void use(b.name)} disabled={b.current || pending !== undefined} aria-label={b.current ? `${b.name} is in use` : `Use ${b.name}`}>
                        {pending === 'use' ? 'Switching…' : b.current ? 'In use' : 'Use'}
                      </button>
                      <button
                        type="button"
                        className="button danger-outline"
                        onClick={() => setRemoving(b)}
                        disabled={b.driver === 'docker' || pending !== undefined}
                        aria-label={`Remove ${b.name}`}
                        title={b.driver === 'docker' ? 'The builder of a Docker context comes with the engine and cannot be removed' : undefined}
                      >
                        <Trash2 aria-hidden="true" size={14} />
                        {pending === 'remove' ? 'Removing…' : 'Remove…'}
                      </button>
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {list?.builders.some((b) => b.nodes.length > 1) ? <PlatformNodes builders={list.builders.filter((b) => b.nodes.length > 1)} /> : null}
      <RemoveBuilderDialog builder={removing} onClose={() => setRemoving(null)} />
    </Card>
  );
}

function PlatformNodes({ builders }: { builders: BuilderInfo[] }) {
  return (
    <div className="equivalent">
      {builders.map((b) => (
        <details key={b.name} className="disclosure" open>
          <summary>Which node of {b.name} builds which platform</summary>
          <table className="table compact">
            <thead>
              <tr>
                <th scope="col">Platform</th>
                <th scope="col">Node</th>
                <th scope="col">Endpoint</th>
              </tr>
            </thead>
            <tbody>
              {b.platformNodes.map((p) => (
                <tr key={p.platform}>
                  <td>
                    <code>{p.platform}</code>
                    {p.pinned ? <span className="tag">pinned</span> : null}
                  </td>
                  <td>
                    <code>{p.node}</code>
                  </td>
                  <td className="muted">{p.endpoint}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ))}
    </div>
  );
}

function RemoveBuilderDialog({ builder, onClose }: { builder: BuilderInfo | null; onClose(): void }) {
  const builders = useAppStore(selectBuilders);
  const remove = useAppStore((s) => s.removeBuilder);
  const dismiss = useAppStore((s) => s.dismissBuilderNotice);
  const name = builder?.name ?? '';
  const busy = builder ? builders.pending[name] === 'remove' : false;
  const error = builders.rowError?.action === 'remove' && builders.rowError.name === name ? builders.rowError.error : null;
  const close = () => {
    if (error) dismiss('rowError');
    onClose();
  };
  return (
    <ConfirmDialog
      open={builder !== null}
      title={`Remove the builder ${name}?`}
      confirmLabel="Remove builder"
      busyLabel="Removing…"
      busy={busy}
      danger
      error={error}
      errorTitle="Not removed"
      onConfirm={() => void remove(name).then((ok) => ok && onClose())}
      onClose={close}
      testId="builder-remove-dialog"
    >
      <p>
        buildx stops and removes its BuildKit container{builder && builder.nodes.length > 1 ? 's' : ''} and the state volume with its build cache. Images already pushed to a registry stay
        where they are.
      </p>
      {builder?.current ? <p>It is the current builder: buildx goes back to the default builder afterwards.</p> : null}
      <CommandLine args={dockerCommand(removeArgs(name, false))} />
    </ConfirmDialog>
  );
}

/** The platforms a node takes (its pinned ones, else all it lists), each marked native or emulated on that node's CPU. */
function NodePlatforms({ node }: { node: BuilderInfo['nodes'][number] }) {
  const shown = node.pinnedPlatforms.length ? node.pinnedPlatforms : node.platforms.slice(0, 4);
  if (!shown.length) return null;
  const arch = (p: string) => p.split('/').slice(0, 2).join('/');
  return (
    <span className="block small">
      {node.pinnedPlatforms.length ? 'takes ' : 'lists '}
      {shown.map((p) => (
        <span key={p} className="node-platform">
          <code>{p}</code>{' '}
          {node.nativePlatform ? (
            <span className={`badge badge-${arch(p) === arch(node.nativePlatform) ? 'native' : 'emulated'}`}>{arch(p) === arch(node.nativePlatform) ? 'native' : 'emulated'}</span>
          ) : (
            <span className="badge badge-unknown">native or emulated unknown</span>
          )}{' '}
        </span>
      ))}
      {node.nativePlatform ? <span className="muted"> (its engine is {node.nativePlatform})</span> : null}
    </span>
  );
}
