import { useState } from 'react';
import { Boxes, PackageCheck, Play } from 'lucide-react';
import type { BuildResult } from '../../../core/contract/build.js';
import { Card, ErrorNotice } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { CopyButton } from '../components/copy-button.js';
import { formatMs } from '../components/timeline-model.js';
import { formatBytes } from '../lib/status.js';
import { useAppStore } from '../store/provider.js';
import type { UiError } from '../store/types.js';
import { navigate } from './build-model.js';

/** What was pushed, with the two ways on from here: look inside it, or run every platform of it. */
export function BuildResultCard({ result }: { result: BuildResult }) {
  const prepareRuns = useAppStore((s) => s.prepareRuns);
  const refreshRegistry = useAppStore((s) => s.refreshRegistry);
  const loadCatalog = useAppStore((s) => s.loadCatalog);
  const openRepository = useAppStore((s) => s.openRepository);
  const openTag = useAppStore((s) => s.openTag);
  const registryAddress = useAppStore((s) => s.registryBrowser.address);
  const [opening, setOpening] = useState(false);
  const [openError, setOpenError] = useState<UiError | null>(null);

  const openInRegistry = async () => {
    setOpening(true);
    setOpenError(null);
    try {
      await refreshRegistry();
      await loadCatalog();
      await openRepository(result.repository);
      await openTag(result.tag);
      navigate('registry');
    } catch (error) {
      setOpenError({ code: 'internal', message: error instanceof Error ? error.message : String(error) });
    } finally {
      setOpening(false);
    }
  };

  // The registry browser shows the local registry only; a push elsewhere has no place to open there.
  const browsable = registryAddress === null || registryAddress === result.registry;
  const pinned = `${result.reference.replace(/:[^:/]+$/, '')}@${result.digest}`;

  return (
    <Card
      title="Pushed"
      icon={<PackageCheck aria-hidden="true" size={16} />}
      labelId="build-result-title"
      className="build-result"
      actions={
        <div className="button-row">
          <button type="button" className="button" onClick={() => void openInRegistry()} disabled={!browsable || opening} aria-busy={opening} title={browsable ? undefined : `${result.registry} is not the local registry`}>
            <Boxes aria-hidden="true" size={14} />
            Open in the registry browser
          </button>
          <button
            type="button"
            className="button primary"
            onClick={() => {
              prepareRuns(result.reference);
              navigate('runs');
            }}
          >
            <Play aria-hidden="true" size={14} />
            Run every platform
          </button>
        </div>
      }
    >
      {result.afterPush ? (
        <div className="notice notice-warning" role="status" data-testid="build-after-push">
          <strong>Pushed, but “{result.afterPush.title}” did not finish</strong>
          <p>
            In the registry: {result.pushed.map((r) => <code key={r}>{r} </code>)}
          </p>
          <p>{result.afterPush.error.message}</p>
          {result.afterPush.error.hint ? <p className="notice-hint">{result.afterPush.error.hint}</p> : null}
        </div>
      ) : null}
      {result.plainHttpNote ? (
        <p className="small muted" data-testid="build-plain-http-note">
          {result.plainHttpNote}.
        </p>
      ) : null}
      <dl className="facts" data-testid="build-result">
        <dt>Reference</dt>
        <dd>
          <code data-testid="result-reference">{result.reference}</code>
          <CopyButton text={result.reference} label="Copy reference" />
        </dd>
        <dt>Digest</dt>
        <dd>
          {result.digest ? (
            <>
              <code data-testid="result-digest">{result.digest}</code>
              <CopyButton text={pinned} label="Copy reference by digest" />
            </>
          ) : (
            <span className="muted">not read back from the registry</span>
          )}
        </dd>
        <dt>Platforms</dt>
        <dd data-testid="result-platforms">
          {result.platforms.map((p) => (
            <span key={p} className="badge badge-platform" data-platform={p}>
              {p}
            </span>
          ))}
        </dd>
        <dt>Kind</dt>
        <dd className="small">
          {!result.mediaType ? 'not read back' : result.mediaType.includes('index') || result.mediaType.includes('list') ? 'manifest list (one manifest per platform)' : 'single manifest'}{' '}
          <span className="muted">{result.mediaType}</span>
        </dd>
        <dt>Took</dt>
        <dd className="small">
          {formatMs(result.durations.totalMs)} in all, building {formatMs(result.durations.buildMs)}
          {result.durations.joinMs !== undefined ? `, joining the list ${formatMs(result.durations.joinMs)}` : ''} · builder <code>{result.builder}</code>
        </dd>
        {result.cache ? (
          <>
            <dt>Cache</dt>
            <dd className="small" data-testid="result-cache">
              {result.cache.used ? (
                <>
                  {(result.cache.refs ?? [result.cache.ref]).map((r, i) => (
                    <span key={r}>
                      {i ? ', ' : ''}
                      <code>{r}</code>
                    </span>
                  ))}{' '}
                  <span className="muted">read before the build, written after it</span>
                  {result.cache.split ? (
                    <span className="block" data-testid="result-cache-split">
                      Split per node:{' '}
                      {result.cache.split.map((n, i) => (
                        <span key={n.node}>
                          {i ? '; ' : ''}
                          {n.platforms.join(', ')} on <code>{n.node}</code>
                          {n.node !== n.plannedNode ? ` (planned for ${n.plannedNode})` : ''} with <code>{n.refs.join(', ')}</code>
                        </span>
                      ))}
                    </span>
                  ) : null}
                  {result.cache.reason ? <span className="block muted">{result.cache.reason}.</span> : null}
                </>
              ) : (
                <span>not used: {result.cache.reason ?? 'the builder cannot keep one'}</span>
              )}
            </dd>
          </>
        ) : null}
      </dl>
      <details className="disclosure">
        <summary>Each platform’s manifest</summary>
        <table className="table compact">
          <thead>
            <tr>
              <th>Platform</th>
              <th>Digest</th>
              <th>Size</th>
              {result.images.some((i) => i.reference) ? <th>Pushed first as</th> : null}
            </tr>
          </thead>
          <tbody>
            {result.images.map((img) => (
              <tr key={img.digest + img.platform}>
                <td>
                  <code>{img.platform}</code>
                </td>
                <td>
                  <code title={img.digest}>{img.digest.slice(0, 19)}…</code>
                </td>
                <td>{formatBytes(img.size)}</td>
                {result.images.some((i) => i.reference) ? <td>{img.reference ? <code>{img.reference}</code> : null}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      <details className="disclosure">
        <summary>What ran, as docker commands</summary>
        <div className="commands">
          {result.commands.map((args, i) => (
            <CommandLine key={i} args={args} />
          ))}
        </div>
      </details>
      {result.localImages.length ? (
        <p className="small muted">
          The engine also keeps a local copy: {result.localImages.join(', ')}. Remove it with <code>docker image rm {result.localImages.join(' ')}</code> when you no longer need it.
        </p>
      ) : null}
      {openError ? <ErrorNotice title="Could not open the registry browser" message={openError.message} /> : null}
    </Card>
  );
}
