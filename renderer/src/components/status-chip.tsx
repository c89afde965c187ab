import { CircleCheck, CircleX, LoaderCircle, TriangleExclamationPoint, type LucideIcon } from 'lucide-react';
import { toneWords, type Tone } from '../lib/status.js';

const icons = { ready: CircleCheck, working: LoaderCircle, 'needs-action': TriangleExclamationPoint, failed: CircleX } as const;

/** A status in words with a matching icon and colour; the words carry the meaning on their own. */
export function StatusChip({ tone, label, testId, icon, look }: { tone: Tone; label?: string; testId?: string; icon?: LucideIcon; look?: 'info' }) {
  const Icon = icon ?? icons[tone];
  return (
    <span className={`chip chip-${look ?? tone}`} data-testid={testId}>
      <Icon aria-hidden="true" size={14} className={tone === 'working' ? 'spin' : undefined} />
      {label ?? toneWords[tone]}
    </span>
  );
}
