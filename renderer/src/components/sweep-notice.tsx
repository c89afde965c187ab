import { Eraser } from 'lucide-react';
import { useAppStore } from '../store/provider.js';

/** Says which left-behind containers the core removed, until dismissed. */
export function SweepNotice() {
  const sweep = useAppStore((s) => s.sweep);
  const dismiss = useAppStore((s) => s.dismissSweep);
  const report = sweep.report;
  if (!report || (report.removed.length === 0 && report.failed.length === 0) || sweep.dismissedAt === report.at) return null;
  return (
    <div className="banner banner-info" role="status" data-testid="sweep-notice">
      <Eraser aria-hidden="true" size={16} />
      <span>{report.message}</span>
      <button type="button" className="button" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}
