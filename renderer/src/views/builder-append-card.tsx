import { useState, type FormEvent } from 'react';
import { Server } from 'lucide-react';
import { Card, ErrorNotice, SuccessNotice } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { TextField } from '../components/text-field.js';
import { selectBuilders } from '../store/builder-slice.js';
import { useAppStore } from '../store/provider.js';
import { appendCommand, parseDriverOpts, splitList, type AppendDraft } from './builder-commands.js';

/** A native machine (a Raspberry Pi, an arm64 server) joins a builder, so its platforms build there instead of under emulation. */
export function BuilderAppendCard() {
  const builders = useAppStore(selectBuilders);
  const append = useAppStore((s) => s.appendBuilderNode);
  const dismiss = useAppStore((s) => s.dismissBuilderNotice);
  // The engine's own builder cannot take more nodes.
  const candidates = (builders.list?.builders ?? []).filter((b) => b.driver !== 'docker');
  const [edited, setEdited] = useState<AppendDraft | null>(null);
  const fallback = candidates.find((b) => b.current)?.name ?? candidates[0]?.name ?? '';
  const base: AppendDraft = edited ?? { builder: fallback, endpoint: '', node: '', platforms: '', driverOpts: '', insecure: '' };
  // The chosen builder may have been removed since: pick another rather than show a choice that is not there.
  const draft: AppendDraft = candidates.some((b) => b.name === base.builder) ? base : { ...base, builder: fallback };
  const set = (p: Partial<AppendDraft>) => setEdited({ ...draft, ...p });
  const failure = builders.appendFailure;
  const fields = failure?.fields ?? {};
  const appended = builders.appended;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const platforms = splitList(draft.platforms);
    const driverOpts = parseDriverOpts(draft.driverOpts ?? '');
    const insecureRegistries = splitList(draft.insecure ?? '');
    void append({
      name: draft.builder,
      endpoint: draft.endpoint.trim(),
      ...(draft.node.trim() ? { nodeName: draft.node.trim() } : {}),
      ...(platforms.length ? { platforms } : {}),
      ...(Object.keys(driverOpts).length ? { driverOpts } : {}),
      ...(insecureRegistries.length ? { insecureRegistries } : {}),
    });
  };

  const input = (key: 'endpoint' | 'node' | 'platforms' | 'driverOpts' | 'insecure', errorKey: string, label: string, help: string, placeholder: string) => {
    const id = `append-${key}`;
    const err = fields[errorKey] ?? Object.entries(fields).find(([k]) => k.startsWith(`${errorKey}.`))?.[1];
    return <TextField id={id} label={label} help={help} error={err} value={draft[key] ?? ''} onChange={(value) => set({ [key]: value })} placeholder={placeholder} />;
  };

  return (
    <Card title="Add a native node" icon={<Server aria-hidden="true" size={16} />} labelId="append-title">
      {candidates.length === 0 ? (
        <p className="empty">Create the host-networked builder above first: nodes join a builder, and the default builder takes none.</p>
      ) : (
        <form className="builder-form" onSubmit={onSubmit} noValidate>
          <p className="muted">
            Emulation is slow for heavy builds. A machine of the other architecture (a Raspberry Pi, an arm64 server) can join the builder and build its platforms natively.
          </p>
          <div className="fields">
            <div className="field">
              <label htmlFor="append-builder">Builder</label>
              <select id="append-builder" value={draft.builder} onChange={(e) => set({ builder: e.target.value })}>
                {candidates.map((b) => (
                  <option key={b.name} value={b.name}>
                    {b.name}
                  </option>
                ))}
              </select>
            </div>
            {input('endpoint', 'endpoint', 'Endpoint', 'ssh://user@host, tcp://host:2376, or the name of a docker context.', 'ssh://pi@raspberrypi.local')}
            {input('node', 'nodeName', 'Node name (optional)', 'How buildx names it; it picks one when empty.', 'pi')}
            {input('platforms', 'platforms', 'Platforms it builds (optional)', 'Pin them so buildx sends these platforms there, e.g. linux/arm64, linux/arm/v7.', 'linux/arm64')}
            {input(
              'driverOpts',
              'driverOpts',
              'Driver options (optional)',
              'key=value, comma-separated. network=host when that engine has no bridge network: without it the node’s container has no network at all.',
              'network=host',
            )}
            {input(
              'insecure',
              'insecureRegistries',
              'Plain-HTTP registries (optional)',
              'host:port of registries this node reaches over HTTP, as that machine sees them (a LAN address, not localhost). The app writes them into the node’s own buildkitd.toml and passes it to buildx (--config or --buildkitd-config, as that buildx names it).',
              '192.168.1.20:5000',
            )}
          </div>
          <div className="equivalent">
            <p className="small muted">The same with docker:</p>
            <CommandLine args={appendCommand(draft)} />
          </div>
          <div className="form-actions">
            <button type="submit" className="button primary" disabled={builders.appending || !draft.builder} aria-busy={builders.appending}>
              {builders.appending ? 'Adding…' : 'Add node'}
            </button>
          </div>
        </form>
      )}
      {failure ? (
        <ErrorNotice
          title="The node was not added"
          message={failure.error.message}
          hint={failure.error.hint}
          onDismiss={() => dismiss('appendFailure')}
        />
      ) : null}
      {appended ? (
        <SuccessNotice title={<>Node {appended.node} joined {appended.builder.name}</>} onDismiss={() => dismiss('appended')}>
          <CommandLine args={appended.command} />
          {appended.builder.platformNodes.length ? (
            <table className="table compact">
              <caption className="visually-hidden">Which node builds which platform</caption>
              <thead>
                <tr>
                  <th scope="col">Platform</th>
                  <th scope="col">Built on</th>
                </tr>
              </thead>
              <tbody>
                {appended.builder.platformNodes.map((p) => (
                  <tr key={p.platform}>
                    <td>
                      <code>{p.platform}</code>
                      {p.pinned ? <span className="tag">pinned</span> : null}
                    </td>
                    <td>
                      <code>{p.node}</code> <span className="muted">{p.endpoint}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </SuccessNotice>
      ) : null}
    </Card>
  );
}
