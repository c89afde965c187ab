import { Gauge } from 'lucide-react';
import type { BuildHistoryEntry, BuildResult, PlatformTiming, StepExecution } from '../../../core/contract/build.js';
import { Card } from '../components/card.js';
import { formatMs } from '../components/timeline-model.js';

const EXECUTION_WORDS: Record<StepExecution, string> = {
  native: 'native',
  emulated: 'emulated',
  none: 'no program',
  unknown: 'cannot tell',
};

/** Emulated, native and other time of one platform as one bar; words carry the same numbers beside it. */
function TimeBar({ t }: { t: PlatformTiming }) {
  const wall = t.wallMs ?? 0;
  if (wall <= 0) return null;
  const pct = (ms: number) => `${Math.min(100, (ms / wall) * 100).toFixed(1)}%`;
  return (
    <span className="time-bar" aria-hidden="true">
      <span className="time-bar-emulated" style={{ width: pct(t.emulatedMs) }} />
      <span className="time-bar-native" style={{ width: pct(t.nativeMs) }} />
    </span>
  );
}

/** Where the time of this build went, per platform and per step, and the same tag's earlier builds. */
export function BuildTimingCard({ result, history }: { result: BuildResult; history: BuildHistoryEntry[] | null }) {
  const earlier = (history ?? []).filter((h) => h.reference === result.reference);
  return (
    <Card title="Where the time went" icon={<Gauge aria-hidden="true" size={16} />} labelId="build-timing-title" className="build-timing">
      <p className="small muted">
        Native: the node’s own CPU runs the step. Emulated: QEMU runs it for another CPU, usually many times slower. Only RUN steps run programs; FROM and COPY
        move files.
      </p>
      <ul className="plain-list" data-testid="build-timing">
        {result.timing.platforms.map((t) => (
          <li key={t.platform} data-platform={t.platform}>
            <TimeBar t={t} /> <span data-field="summary">{t.summary}</span>
          </li>
        ))}
      </ul>
      <details className="disclosure">
        <summary>Each step</summary>
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">Platform</th>
              <th scope="col">Step</th>
              <th scope="col">Ran as</th>
              <th scope="col">How</th>
              <th scope="col">Took</th>
            </tr>
          </thead>
          <tbody>
            {result.timing.platforms.flatMap((t) =>
              t.steps.map((s, i) => (
                <tr key={`${t.platform}-${i}`}>
                  <td>
                    <code>{t.platform}</code>
                    {t.node ? <span className="muted small"> on {t.node}</span> : null}
                  </td>
                  <td>
                    <code>{s.name.length > 60 ? `${s.name.slice(0, 59)}…` : s.name}</code>
                  </td>
                  <td>
                    <code>{s.runsAs}</code>
                  </td>
                  <td>
                    {s.cached ? 'from the cache' : <span className={`badge badge-${s.execution === 'none' ? 'platform' : s.execution}`}>{EXECUTION_WORDS[s.execution]}</span>}
                  </td>
                  <td>{s.ms !== undefined ? formatMs(s.ms) : '–'}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </details>
      {earlier.length > 1 ? (
        <details className="disclosure" open>
          <summary>This tag’s last {earlier.length} builds</summary>
          <table className="table compact" data-testid="build-history">
            <thead>
              <tr>
                <th scope="col">Ended</th>
                <th scope="col">Way</th>
                {result.timing.platforms.map((t) => (
                  <th key={t.platform} scope="col">
                    {t.platform}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {earlier.map((h) => (
                <tr key={h.at}>
                  <td>{new Date(h.at).toLocaleString()}</td>
                  <td>
                    {h.mode}
                    {h.noCache ? ', no cache' : ''}
                  </td>
                  {result.timing.platforms.map((t) => {
                    const p = h.platforms.find((x) => x.platform === t.platform);
                    return (
                      <td key={t.platform} title={p?.summary}>
                        {p?.wallMs !== undefined ? formatMs(p.wallMs) : '–'}
                        {p && p.emulatedMs > 0 ? <span className="muted small"> ({formatMs(p.emulatedMs)} emulated)</span> : null}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : null}
    </Card>
  );
}
