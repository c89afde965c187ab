import { useState, type FormEvent } from 'react';
import { Network, Plus } from 'lucide-react';
import { Card, ErrorNotice, SuccessNotice } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { TaskProgress } from '../components/task-progress.js';
import { TextField } from '../components/text-field.js';
import { selectSettings } from '../store/index.js';
import { selectBuilders } from '../store/builder-slice.js';
import { useAppStore } from '../store/provider.js';
import { BuilderStatusChip } from './builder-list-card.js';
import { createCommands, draftDriverOpts, splitList, type CreateDraft } from './builder-commands.js';

export function BuilderCreateCard() {
  const builders = useAppStore(selectBuilders);
  const settings = useAppStore(selectSettings).value;
  const create = useAppStore((s) => s.createBuilder);
  const dismiss = useAppStore((s) => s.dismissBuilderNotice);
  const [edited, setEdited] = useState<CreateDraft | null>(null);
  const draft: CreateDraft = edited ?? { name: settings?.builder.name ?? 'mybuilder', hostNetwork: true, insecure: '', use: true, bootstrap: true };
  const set = (p: Partial<CreateDraft>) => setEdited({ ...draft, ...p });
  const failure = builders.createFailure;
  const fields = failure?.fields ?? {};
  const insecure = splitList(draft.insecure);
  const created = builders.created;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void create({
      name: draft.name.trim(),
      driver: 'docker-container',
      driverOpts: draftDriverOpts(draft),
      use: draft.use,
      bootstrap: draft.bootstrap,
      ...(insecure.length ? { insecureRegistries: insecure } : {}),
    });
  };

  const fieldError = (key: string) => fields[key] ?? Object.entries(fields).find(([k]) => k.startsWith(`${key}.`))?.[1];
  const nameError = fieldError('name');
  const insecureError = fieldError('insecureRegistries');

  return (
    <Card title="Create the host-networked builder" icon={<Plus aria-hidden="true" size={16} />} labelId="builder-create-title">
      <form className="builder-form" onSubmit={onSubmit} noValidate aria-describedby="builder-create-about">
        <p id="builder-create-about" className="muted">
          A <code>docker-container</code> builder runs BuildKit in a container of its own, so it can build several platforms in one go and push them as one multi-platform image.
        </p>
        <div className="fields">
          <TextField id="builder-name" label="Name" help="Defaults to the builder name in Settings." error={nameError} value={draft.name} onChange={(name) => set({ name })} />
          <div className="field">
            <span className="field-label">Driver</span>
            <code className="field-static">docker-container</code>
            <p className="field-help">BuildKit in its own container; the image moby/buildkit is pulled when it first starts.</p>
          </div>
        </div>

        <label className="check-field">
          <input type="checkbox" checked={draft.hostNetwork} onChange={(e) => set({ hostNetwork: e.target.checked })} />
          <span>
            <Network aria-hidden="true" size={14} /> Share the host network (<code>--driver-opt network=host</code>)
            <span className="field-help">
              The builder container then sees this machine&apos;s network as its own, so <code>localhost:5000</code> in a push means the registry running on this machine. Without it,
              localhost inside the builder is the builder itself, and pushing to a local registry fails with “connection refused”.
            </span>
          </span>
        </label>

        <TextField
          id="builder-insecure"
          label="Plain-HTTP registries (optional)"
          help={
            <>
              Registries not on localhost that speak HTTP, not HTTPS (a LAN address, or registry.localhost:5000 from k3d). Multiarch Lab writes a buildkitd.toml marking them http and
              insecure, and creates the builder with it; the whole app then reaches them over HTTP (see Settings). localhost needs nothing.
            </>
          }
          error={insecureError}
          value={draft.insecure}
          onChange={(insecure) => set({ insecure })}
          placeholder="192.168.1.20:5000, registry.localhost:5000"
        />

        <div className="check-row">
          <label className="check-field">
            <input type="checkbox" checked={draft.use} onChange={(e) => set({ use: e.target.checked })} />
            <span>
              Use as the current builder
              <span className="field-help"> docker buildx build then goes to it without --builder.</span>
            </span>
          </label>
          <label className="check-field">
            <input type="checkbox" checked={draft.bootstrap} onChange={(e) => set({ bootstrap: e.target.checked })} />
            <span>
              Start it now (bootstrap)
              <span className="field-help"> Pulls moby/buildkit and starts it, then lists its platforms. Otherwise it starts on its first build.</span>
            </span>
          </label>
        </div>

        <div className="equivalent">
          <p className="small muted">The same with docker{insecure.length ? ', plus --config with the buildkitd.toml the app writes' : ''}:</p>
          <div className="commands">
            {createCommands(draft).map((args) => (
              <CommandLine key={args.join(' ')} args={args} />
            ))}
          </div>
        </div>

        <div className="form-actions">
          <button type="submit" className="button primary" disabled={builders.creating} aria-busy={builders.creating}>
            {builders.creating ? 'Creating…' : 'Create builder'}
          </button>
        </div>
      </form>

      {builders.creating || failure ? <TaskProgress callId={builders.createCallId} label="Creating the builder" running={builders.creating} /> : null}

      {failure ? (
        <ErrorNotice
          title="The builder was not set up"
          message={failure.error.message}
          hint={failure.error.hint}
          onDismiss={() => dismiss('createFailure')}
        />
      ) : null}

      {created ? (
        <SuccessNotice title={<>Builder {created.builder.name} created{created.bootstrapped ? ' and started' : ''}</>} testId="builder-created" onDismiss={() => dismiss('created')}>
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <BuilderStatusChip status={created.builder.status} />
              {!created.bootstrapped ? <span className="muted small">it starts on its first build</span> : null}
            </dd>
            {created.builder.nodes[0]?.buildkitVersion ? (
              <>
                <dt>BuildKit</dt>
                <dd>
                  <code>{created.builder.nodes[0].buildkitVersion}</code>
                </dd>
              </>
            ) : null}
            <dt>Platforms</dt>
            <dd>{created.builder.nodes.flatMap((n) => n.platforms).join(', ') || <span className="muted">known once it has started</span>}</dd>
            {created.current ? (
              <>
                <dt>Current builder</dt>
                <dd data-testid="builder-current-now">
                  <code>{created.current}</code>
                </dd>
              </>
            ) : null}
            {created.configFile ? (
              <>
                <dt>buildkitd config</dt>
                <dd>
                  <code>{created.configFile}</code>
                </dd>
              </>
            ) : null}
          </dl>
          <p className="small muted">What ran:</p>
          <div className="commands">
            {created.commands.map((args, i) => (
              <CommandLine key={i} args={args} />
            ))}
          </div>
        </SuccessNotice>
      ) : null}
    </Card>
  );
}
