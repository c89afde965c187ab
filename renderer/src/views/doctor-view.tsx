import { Cpu, Hammer, ListChecks, Plug, RefreshCw, Server } from 'lucide-react';
import type { DoctorReport } from '../../../core/contract/index.js';
import { Card, ErrorNotice } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { CopyButton } from '../components/copy-button.js';
import { PlatformSupportTable } from '../components/platform-support-table.js';
import { StatusChip } from '../components/status-chip.js';
import { buildxTone, checkTone, checkWords, engineTone, overallHeadline, overallTone } from '../lib/status.js';
import { selectDoctor, selectRefreshDoctor } from '../store/index.js';
import { useAppStore } from '../store/provider.js';

export function DoctorView() {
  const { report, loading, error } = useAppStore(selectDoctor);
  const refresh = useAppStore(selectRefreshDoctor);

  return (
    <div className="view">
      <header className="view-header">
        <div>
          <h1>Doctor</h1>
          <p className="view-lede">Is this machine ready to build and run images for other CPU architectures?</p>
        </div>
        <div className="view-actions">
          {report ? <span className="muted small">Checked {new Date(report.generatedAt).toLocaleTimeString()}</span> : null}
          <button type="button" className="button" onClick={() => void refresh()} disabled={loading} aria-busy={loading}>
            <RefreshCw aria-hidden="true" size={14} className={loading ? 'spin' : undefined} />
            {loading ? 'Checking…' : 'Refresh'}
          </button>
        </div>
      </header>

      {error ? (
        <ErrorNotice
          title="The Doctor could not finish"
          message={error.message}
          hint={error.hint ?? 'Check that Multiarch Lab is still running, then press Refresh.'}
          action={
            <button type="button" className="button" onClick={() => void refresh()} disabled={loading}>
              Try again
            </button>
          }
        />
      ) : null}

      {!report && loading ? (
        <div className="notice notice-info" role="status">
          <strong>Checking this machine…</strong>
          <p>Looking for a Docker engine, buildx and CPU emulators. This takes a few seconds.</p>
        </div>
      ) : null}

      {report ? <Report report={report} /> : null}
    </div>
  );
}

function Report({ report }: { report: DoctorReport }) {
  const tone = overallTone(report);
  return (
    <div className="report">
      <div className={`summary summary-${tone}`}>
        <StatusChip tone={tone} testId="doctor-overall" />
        <span className="summary-text">{overallHeadline(report)}</span>
      </div>
      <ChecksCard report={report} />
      <div className="grid-2">
        <EngineCard report={report} />
        <BuildxCard report={report} />
      </div>
      <PlatformsCard report={report} />
      <EndpointsCard report={report} />
    </div>
  );
}

function ChecksCard({ report }: { report: DoctorReport }) {
  return (
    <Card title="Checks" icon={<ListChecks aria-hidden="true" size={16} />} labelId="checks-title">
      <ul className="checks">
        {report.checks.map((check) => (
          <li key={check.id} className={`check check-${check.status}`} data-check={check.id}>
            <StatusChip tone={checkTone(check.status)} label={checkWords[check.status]} />
            <div className="check-body">
              <strong>{check.title}</strong>
              <p className="check-summary">{check.summary}</p>
              {check.status !== 'ok' && check.fix ? <p className="check-fix">{check.fix}</p> : null}
              {check.status !== 'ok' && check.fixCommands?.length ? (
                <div className="commands">
                  {check.fixCommands.map((args, i) => (
                    <CommandLine key={i} args={args} />
                  ))}
                </div>
              ) : null}
            </div>
          </li>
        ))}
      </ul>
    </Card>
  );
}

function EngineCard({ report }: { report: DoctorReport }) {
  const engine = report.engine;
  return (
    <Card title="Docker engine" icon={<Server aria-hidden="true" size={16} />} labelId="engine-title" actions={<StatusChip tone={engineTone(report)} testId="engine-status" />}>
      {engine ? (
        <dl className="facts">
          <dt>Endpoint</dt>
          <dd>
            <span className="mono-inline">
              <code>{engine.endpoint}</code>
              <CopyButton text={engine.endpoint} label="Copy endpoint" />
            </span>
            <span className="muted small">found via {engine.source}</span>
          </dd>
          <dt>Engine version</dt>
          <dd>
            <code data-testid="engine-version">{engine.version}</code>
          </dd>
          <dt>API version</dt>
          <dd>
            <code>{engine.apiVersion}</code>
          </dd>
          <dt>OS / arch</dt>
          <dd>
            <code>
              {engine.os}/{engine.arch}
            </code>
            {engine.kernelVersion ? <span className="muted small">kernel {engine.kernelVersion}</span> : null}
          </dd>
          <dt>containerd image store</dt>
          <dd>
            {engine.containerdImageStore ? 'yes' : 'no'}
            <span className="muted small">
              {engine.containerdImageStore
                ? 'keeps multi-platform images locally'
                : `storage driver ${engine.storageDriver ?? 'unknown'}: one platform per tag locally`}
            </span>
          </dd>
        </dl>
      ) : (
        <p className="empty">
          No engine answered on any of the endpoints below. Start Docker (Docker Desktop, Colima, Podman or dockerd), or point <code>DOCKER_HOST</code> at it,
          then press Refresh.
        </p>
      )}
    </Card>
  );
}

function BuildxCard({ report }: { report: DoctorReport }) {
  const { buildx } = report;
  return (
    <Card title="Buildx" icon={<Hammer aria-hidden="true" size={16} />} labelId="buildx-title" actions={<StatusChip tone={buildxTone(report)} testId="buildx-status" />}>
      {buildx.available ? (
        <>
          <dl className="facts">
            <dt>Version</dt>
            <dd>
              <code data-testid="buildx-version">{buildx.version ?? 'unknown'}</code>
            </dd>
            {buildx.cliPath ? (
              <>
                <dt>Docker CLI</dt>
                <dd>
                  <code>{buildx.cliPath}</code>
                </dd>
              </>
            ) : null}
            <dt>Current builder</dt>
            <dd>{buildx.current ? <code>{buildx.current}</code> : <span className="muted">none selected</span>}</dd>
          </dl>
          {buildx.builders.length > 0 ? (
            <table className="table compact">
              <caption className="visually-hidden">Builders</caption>
              <thead>
                <tr>
                  <th scope="col">Builder</th>
                  <th scope="col">Driver</th>
                  <th scope="col">Status</th>
                  <th scope="col">Platforms</th>
                </tr>
              </thead>
              <tbody>
                {buildx.builders.map((b) => {
                  const platforms = [...new Set(b.nodes.flatMap((n) => n.platforms))];
                  return (
                    <tr key={b.name}>
                      <td>
                        <code>{b.name}</code>
                        {b.current ? <span className="tag">current</span> : null}
                      </td>
                      <td>{b.driver}</td>
                      <td>{b.status ?? b.nodes[0]?.status ?? 'unknown'}</td>
                      <td className="small" title={platforms.join(', ')}>
                        {platforms.length > 0 ? `${platforms.length} (${platforms.slice(0, 3).join(', ')}${platforms.length > 3 ? ', …' : ''})` : 'not started yet'}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          ) : (
            <p className="empty">No builders listed yet.</p>
          )}
        </>
      ) : (
        <p className="empty">{buildx.error ?? 'The buildx plugin was not found next to the docker CLI.'} See the checks above for how to install it.</p>
      )}
    </Card>
  );
}

function PlatformsCard({ report }: { report: DoctorReport }) {
  return (
    <Card title="Platforms this machine can run" icon={<Cpu aria-hidden="true" size={16} />} labelId="platforms-title">
      {report.platforms.length > 0 ? (
        <PlatformSupportTable platforms={report.platforms} testId="platforms" supportHeading="Support" unavailableLabel="unavailable" />
      ) : (
        <p className="empty">No platform information yet: it needs a reachable engine.</p>
      )}
    </Card>
  );
}

function EndpointsCard({ report }: { report: DoctorReport }) {
  return (
    <Card title="Where we looked for Docker" icon={<Plug aria-hidden="true" size={16} />} labelId="endpoints-title">
      <table className="table compact">
        <thead>
          <tr>
            <th scope="col">From</th>
            <th scope="col">Endpoint</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {report.attempts.map((a, i) => (
            <tr key={`${a.endpoint}-${i}`}>
              <td>{a.source}</td>
              <td>
                <code>{a.endpoint}</code>
              </td>
              <td>{a.ok ? <StatusChip tone="ready" label="answered" /> : <span className="muted">{a.reason ?? 'did not answer'}</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
