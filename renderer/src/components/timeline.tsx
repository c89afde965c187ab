/**
 * One row per platform on a shared time axis, a bar per step placed by when it ran: emulated platforms'
 * longer bars show what emulation costs. Cached steps are thin hatched markers. Bars are positioned through
 * element.style (CSSOM), which the Content Security Policy allows.
 */
import { useEffect, useState } from 'react';
import type { PlatformProgress } from '../../../core/contract/build.js';
import type { PlatformStatus } from '../../../core/contract/doctor.js';
import { buildStepWords, buildTimeline, formatMs, slowdownWords } from './timeline-model.js';
import '../styles/build-runs.css';

export function Timeline({ platforms, running, support }: { platforms: readonly PlatformProgress[]; running: boolean; support: ReadonlyMap<string, PlatformStatus> }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [running]);

  const model = buildTimeline(platforms, running ? now : 0);
  if (!model) return <p className="muted small">The timeline starts with the first step BuildKit reports.</p>;
  const span = model.end - model.start;
  const slow = slowdownWords(model.rows);

  return (
    <div className="timeline" data-testid="build-timeline">
      <div className="timeline-axis" aria-hidden="true">
        <span />
        <div className="timeline-ticks">
          {model.ticks.map((t) => (
            <span key={t} className="timeline-tick" style={{ left: `${(t / span) * 100}%` }}>
              {formatMs(t)}
            </span>
          ))}
        </div>
      </div>
      {model.rows.map((row) => {
        const how = support.get(row.platform)?.support;
        // On a builder with several nodes, the node that builds this platform.
        const node = platforms.find((p) => p.platform === row.platform)?.node;
        const summary = `${row.platform}${node ? ` on node ${node}` : ''}: ${row.bars.length} steps, ${row.cachedSteps} cached, ${row.durationMs !== null ? formatMs(row.durationMs) : 'not started'}${how ? `, ${how}` : ''}`;
        return (
          <div key={row.platform} className="timeline-row" data-platform={row.platform}>
            <div className="timeline-label">
              <span className="timeline-platform">{row.platform}</span>
              {node ? <span className="small muted" data-field="node"> on {node}</span> : null}
              <span className="small muted">
                {row.durationMs !== null ? formatMs(row.durationMs) : buildStepWords[row.state]}
                {how ? ` · ${how}` : ''}
                {slow.get(row.platform) ? ` · ${slow.get(row.platform)}` : ''}
              </span>
            </div>
            <div className="timeline-track" role="img" aria-label={summary}>
              {model.ticks.map((t) => (
                <span key={t} className="timeline-grid" style={{ left: `${(t / span) * 100}%` }} />
              ))}
              {row.bars.map((bar) => (
                <span
                  key={bar.key}
                  className={`timeline-bar bar-${bar.cached ? 'cached' : bar.state}${bar.open ? ' bar-open' : ''}`}
                  style={{ left: `${bar.left}%`, width: `${bar.width}%` }}
                  title={`${bar.name}: ${bar.cached ? 'cached' : buildStepWords[bar.state]}, ${formatMs(bar.durationMs)}`}
                  data-step={bar.name}
                />
              ))}
            </div>
          </div>
        );
      })}
      <ul className="timeline-legend small muted" aria-label="Legend">
        <li>
          <span className="legend-swatch bar-done" /> ran
        </li>
        <li>
          <span className="legend-swatch bar-running" /> running
        </li>
        <li>
          <span className="legend-swatch bar-cached" /> cached: reused, not run again (the bar is the time to find it)
        </li>
        <li>
          <span className="legend-swatch bar-error" /> failed
        </li>
      </ul>
    </div>
  );
}
