import { Info } from 'lucide-react';
import { Card, ErrorNotice } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { StatusChip } from '../components/status-chip.js';
import { selectBuilders } from '../store/builder-slice.js';
import { useAppStore } from '../store/provider.js';

/** Why the builder that comes with Docker may or may not build multi-platform images on this engine. */
export function BuilderDefaultDriverCard() {
  const { defaultDriver: d, defaultDriverError: error } = useAppStore(selectBuilders);
  return (
    <Card
      title="The default docker driver"
      icon={<Info aria-hidden="true" size={16} />}
      labelId="default-driver-title"
      actions={
        d ? (
          <StatusChip tone={d.multiPlatform ? 'ready' : 'needs-action'} label={d.multiPlatform ? 'multi-platform capable' : 'one platform only'} testId="default-driver-status" />
        ) : null
      }
    >
      {error ? <ErrorNotice title="Could not read the engine's image store" message={error.message} hint={error.hint} /> : null}
      {d ? (
        <>
          <dl className="facts">
            <dt>Engine</dt>
            <dd>
              <code>{d.engineVersion}</code>
            </dd>
            <dt>Image store</dt>
            <dd>
              {d.containerdImageStore ? 'containerd' : 'classic graph driver'}
              <span className="muted small">{[d.driverType, d.storageDriver].filter(Boolean).join(' · ')}</span>
            </dd>
          </dl>
          <div className="prose">
            {d.explanation.map((p) => (
              <p key={p}>{p}</p>
            ))}
          </div>
          {d.suggestion ? (
            <div className="notice notice-info">
              <strong>{d.suggestion.title}</strong>
              <p>{d.suggestion.text}</p>
              <CommandLine args={d.suggestion.command} />
            </div>
          ) : null}
        </>
      ) : !error ? (
        <p className="muted" role="status">
          Asking the engine…
        </p>
      ) : null}
    </Card>
  );
}
