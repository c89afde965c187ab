import { MonitorSmartphone } from 'lucide-react';
import type { HostChoice } from '../../../core/contract/runs.js';
import { Card } from '../components/card.js';

const matchWords: Record<HostChoice['match'], { words: string; chip: string }> = {
  exact: { words: 'its own platform', chip: 'chip-ready' },
  fallback: { words: 'a fallback', chip: 'chip-needs-action' },
  foreign: { words: 'not its platform', chip: 'chip-needs-action' },
  none: { words: 'nothing fits', chip: 'chip-failed' },
};

/** For the image's index: the entry each common kind of host would pull, by the platform rules engines follow. */
export function RunsHostsTable({ reference, choices }: { reference: string; choices: HostChoice[] }) {
  return (
    <Card title="Which variant does each host pull?" icon={<MonitorSmartphone aria-hidden="true" size={16} />} labelId="runs-hosts-title">
      {choices.some((c) => c.match === 'foreign') ? (
        <p className="small muted" data-testid="runs-hosts-single">
          <code>{reference}</code> is a single image, not a manifest list: every machine pulls that one image, and a machine of another platform can only run it through an emulator.
        </p>
      ) : (
        <p className="small muted">
          When a machine pulls <code>{reference}</code>, its engine picks one entry of the manifest list: its own platform when there is one, otherwise an older variant it can also run.
        </p>
      )}
      <table className="table hosts-table" data-testid="runs-hosts">
        <thead>
          <tr>
            <th>Host</th>
            <th>Asks for</th>
            <th>Pulls</th>
            <th>Why</th>
          </tr>
        </thead>
        <tbody>
          {choices.map((c) => (
            <tr key={c.host.id} data-host={c.host.id}>
              <td>{c.host.label}</td>
              <td>
                <code>{c.host.platform}</code>
              </td>
              <td>
                {c.chosen ? <code>{c.chosen}</code> : <span className="muted">nothing</span>}{' '}
                <span className={`chip ${matchWords[c.match].chip}`}>{matchWords[c.match].words}</span>
              </td>
              <td className="small">{c.note}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
