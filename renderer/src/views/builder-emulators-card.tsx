import { Cpu, Download } from 'lucide-react';
import { Card, ErrorNotice, SuccessNotice } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { PlatformSupportTable } from '../components/platform-support-table.js';
import { StatusChip } from '../components/status-chip.js';
import { TaskProgress } from '../components/task-progress.js';
import { selectBuilders } from '../store/builder-slice.js';
import { useAppStore } from '../store/provider.js';

const sourceWords = {
  binfmt_misc: 'from the QEMU handlers registered in the engine’s kernel (binfmt_misc)',
  builder: 'from the current builder’s platform list',
  none: 'nowhere: the engine could not be asked',
} as const;

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
          <PlatformSupportTable platforms={report.platforms} testId="emulators" supportHeading="Runs" unavailableLabel="missing" compact />
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
        <TaskProgress callId={builders.installCallId} label="Installing emulators" running={builders.installing} />
      ) : null}
      {builders.installError ? (
        <ErrorNotice
          title="Emulators were not installed"
          message={builders.installError.message}
          hint={builders.installError.hint}
          onDismiss={() => dismiss('installError')}
        />
      ) : null}
      {installed ? (
        <SuccessNotice title={installed.installed.length ? `Installed: ${installed.installed.join(', ')}` : 'Nothing was missing'} onDismiss={() => dismiss('installed')}>
          {installed.command ? <CommandLine args={installed.command} /> : null}
        </SuccessNotice>
      ) : null}
    </Card>
  );
}
