/**
 * "Compare platforms" of a tag, from the verify report: which layers the platforms share by digest, each
 * platform's size packed and unpacked, files only some platforms have, platforms far from the others in size,
 * and layers that differ only in file times (and the bytes that costs).
 */
import type { VerifyReport } from '../../../core/contract/verify.js';
import { formatBytes } from '../../../core/format-bytes.js';
import { shortDigest } from '../components/manifest-tree-model.js';

export function ComparePlatforms({ report }: { report: VerifyReport }) {
  const c = report.compare;
  if (c.platforms.length < 2) {
    return (
      <p className="empty small" data-testid="compare-platforms">
        {c.platforms.length === 1 ? `Only ${c.platforms[0]!.platform} could be read, so there is nothing to compare it with.` : 'No platform could be read, so there is nothing to compare.'}
      </p>
    );
  }
  return (
    <div className="compare-platforms" data-testid="compare-platforms">
      <table className="table compact" data-testid="compare-sizes">
        <caption className="small muted">Size of each platform: packed as stored and pulled, and unpacked</caption>
        <thead>
          <tr>
            <th scope="col">Platform</th>
            <th scope="col">Packed</th>
            <th scope="col">Unpacked</th>
            <th scope="col">Files</th>
            <th scope="col">Layers</th>
          </tr>
        </thead>
        <tbody>
          {c.platforms.map((p) => (
            <tr key={p.platform} data-platform={p.platform}>
              <th scope="row">
                <code>{p.platform}</code>
              </th>
              <td>{formatBytes(p.compressedSize)}</td>
              <td>{formatBytes(p.uncompressedSize)}</td>
              <td>{p.files}</td>
              <td>{p.layers}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h4>Shared layers</h4>
      {c.sharedLayers.length ? (
        <ul className="small" data-testid="compare-shared">
          {c.sharedLayers.map((l) => (
            <li key={l.digest}>
              <code title={l.digest}>{shortDigest(l.digest, 16)}</code> ({formatBytes(l.size)}) is stored once for {l.platforms.join(', ')}
            </li>
          ))}
        </ul>
      ) : (
        <p className="small muted" data-testid="compare-shared">
          No layer is shared between platforms: each stores and pulls its own.
        </p>
      )}

      {c.sizeOutliers.length ? (
        <>
          <h4>Much smaller or larger</h4>
          <ul className="small" data-testid="compare-outliers">
            {c.sizeOutliers.map((o) => (
              <li key={o.platform}>{o.message}</li>
            ))}
          </ul>
        </>
      ) : null}

      <h4>Files only in some platforms</h4>
      {c.onlyInSomeCount ? (
        <>
          <p className="small">
            {c.onlyInSomeCount} {c.onlyInSomeCount === 1 ? 'path is' : 'paths are'} not in every platform{c.onlyInSome.length < c.onlyInSomeCount ? `; the first ${c.onlyInSome.length}:` : ':'}
          </p>
          <ul className="small" data-testid="compare-only-in-some">
            {c.onlyInSome.map((o) => (
              <li key={o.path}>
                <code>{o.path}</code> is in {o.in.join(', ')}, missing from {o.missingFrom.join(', ')}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p className="small muted" data-testid="compare-only-in-some">
          Every platform has the same paths.
        </p>
      )}

      <h4>Layers that differ only in file times</h4>
      {c.timeOnly.length ? (
        <div data-testid="compare-time-only">
          {c.timeOnly.map((t) => (
            <div key={t.layers.map((l) => l.digest).join(',')} className="run-explanation run-explanation-fail">
              <p>
                {t.layers.length} layers hold the same {t.files} {t.files === 1 ? 'file' : 'files'} (names, sizes, modes, owners and bytes) and differ only in file times:{' '}
                {t.layers.map((l) => `${shortDigest(l.digest, 12)} (${l.platforms.join(', ')})`).join(', ')}. {formatBytes(t.wastedBytes)} more is stored and pulled than one shared layer would
                need.
              </p>
              <p className="notice-hint">Fix: build that layer once for all platforms (a stage FROM --platform=$BUILDPLATFORM, COPY --link) or set SOURCE_DATE_EPOCH so the times match.</p>
            </div>
          ))}
          <p className="small">
            Wasted in all: <strong data-testid="compare-wasted">{formatBytes(c.wastedBytes)}</strong>
          </p>
        </div>
      ) : (
        <p className="small muted" data-testid="compare-time-only">
          No layers differ only in file times.
        </p>
      )}
    </div>
  );
}
