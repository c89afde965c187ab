import { Layers } from 'lucide-react';
import type { PlatformStatus, PlatformSupport } from '../../../core/contract/doctor.js';
import { supportTone } from '../lib/status.js';
import { StatusChip } from './status-chip.js';

function SupportChip({ support, unavailableLabel }: { support: PlatformSupport; unavailableLabel: string }) {
  const label = support === 'unavailable' ? unavailableLabel : support;
  // Emulated works, only slower: its own look, so it reads apart from native at a glance.
  if (support === 'emulated') return <StatusChip tone={supportTone(support)} label={label} icon={Layers} look="info" />;
  return <StatusChip tone={supportTone(support)} label={label} />;
}

function how(p: PlatformStatus): string {
  return p.via ?? (p.support === 'native' ? 'the host CPU' : p.support === 'unavailable' ? 'no emulator registered' : '');
}

/** Which platforms run here, natively or under an emulator, and through what: the Doctor and the Builder's emulators card. */
export function PlatformSupportTable({
  platforms,
  testId,
  supportHeading,
  unavailableLabel,
  compact = false,
}: {
  platforms: PlatformStatus[];
  testId: string;
  supportHeading: string;
  unavailableLabel: string;
  compact?: boolean;
}) {
  return (
    <table className={compact ? 'table compact' : 'table'} data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">Platform</th>
          <th scope="col">{supportHeading}</th>
          <th scope="col">How</th>
        </tr>
      </thead>
      <tbody>
        {platforms.map((p) => (
          <tr key={p.platform} data-platform={p.platform}>
            <td>
              <code>{p.platform}</code>
            </td>
            <td>
              <SupportChip support={p.support} unavailableLabel={unavailableLabel} />
            </td>
            <td className={compact ? 'muted small' : 'muted'}>{how(p)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
