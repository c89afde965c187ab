import { Cpu, Download, Layers } from 'lucide-react';
import type { PlatformSupport } from '../../../core/contract/doctor.js';
import { Card, ErrorNotice } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { StatusChip } from '../components/status-chip.js';
import { TaskProgress } from '../components/task-progress.js';
import { selectBuilders } from '../store/builder-slice.js';
import { useAppStore } from '../store/provider.js';

const sourceWords = {
  binfmt_misc: 'from the QEMU handlers registered in the engine’s kernel (binfmt_misc)',
  builder: 'from the current builder’s platform list',
  none: 'nowhere: the engine could not be asked',
} as const;

function SupportChip({ support }: { support: PlatformSupport }) {
  if (support === 'native') return <StatusChip tone="ready" label="native" />;
  // Works, only slower: its own look so it reads apart from native at a glance.
  if (support === 'emulated') return <StatusChip tone="ready" label="emulated" icon={Layers} look="info" />;
  return <StatusChip tone="failed" label="missing" />;
}

export function BuilderEmulatorsCard() {
  const builders = useAppStore(selectBuilders);
  const install = useAppStore((s) => s.installEmulators);
  const dismiss = useAppStore((s) => s.dismissBuilderNotice);
  const report = builders.emulators;
  const installed = builders.installed;

  return (
    <Card
      title="Emulators"
      icon={<Cpu aria-hidden="true" size={16} />}
      labelId="emulators-title"
      actions={
        report ? (
          <StatusChip
            tone={report.missing.length ? 'needs-action' : 'ready'}
            label={report.missing.length ? `${report.missing.length} missing` : 'all common platforms run'}
            testId="emulators-status"
          />
        ) : null
      }
    >
      {builders.emulatorsError ? <ErrorNotice title="Could not check the emulators" message={builders.emulatorsError.message} hint={builders.emulatorsError.hint} /> : null}
      {report ? (
        <>
          <p className="muted small">
            This engine runs <code>{report.engineArch}</code> natively; the rest is known {sourceWords[report.source]}.
          </p>
          <table className="table compact" data-testid="emulators">
            <thead>
              <tr>
                <th scope="col">Platform</th>
                <th scope="col">Runs</th>
                <th scope="col">How</th>
              </tr>
            </thead>
            <tbody>
              {report.platforms.map((p) => (
                <tr key={p.platform} data-platform={p.platform}>
                  <td>
                    <code>{p.platform}</code>
                  </td>
                  <td>
                    <SupportChip support={p.support} />
                  </td>
                  <td className="muted small">{p.via ?? (p.support === 'native' ? 'the host CPU' : p.support === 'unavailable' ? 'no emulator registered' : '')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : !builders.emulatorsError ? (
        <p className="muted" role="status">
          Checking…
        </p>
      ) : null}

      <div className="button-row">
        <button type="button" className="button" onClick={() => void install()} disabled={builders.installing} aria-busy={builders.installing}>
          <Download aria-hidden="true" size={14} />
          {builders.installing ? 'Installing…' : report?.missing.length ? 'Install missing emulators' : 'Install emulators'}
        </button>
        <span className="muted small">Runs the tonistiigi/binfmt image once, privileged, to register QEMU handlers in the kernel.</span>
      </div>

      {builders.installing || builders.installError ? (
        <TaskProgress kind="builder:install-emulators" since={builders.installSince} label="Installing emulators" running={builders.installing} />
      ) : null}
      {builders.installError ? (
        <ErrorNotice
          title="Emulators were not installed"
          message={builders.installError.message}
          hint={builders.installError.hint}
          action={
            <button type="button" className="button" onClick={() => dismiss('installError')}>
              Dismiss
            </button>
          }
        />
      ) : null}
      {installed ? (
        <div className="notice notice-success" role="status">
          <strong>{installed.installed.length ? `Installed: ${installed.installed.join(', ')}` : 'Nothing was missing'}</strong>
          {installed.command ? <CommandLine args={installed.command} /> : null}
          <div className="notice-actions">
            <button type="button" className="button" onClick={() => dismiss('installed')}>
              Dismiss
            </button>
          </div>
        </div>
      ) : null}
    </Card>
  );
}
