import type { CheckStatus, DoctorReport, PlatformSupport, TaskSnapshot } from '../../../core/contract/index.js';
import { formatBytes } from '../../../core/format-bytes.js';

/** The four states every status chip in the app speaks in; always shown with words, not colour alone. */
export type Tone = 'ready' | 'working' | 'needs-action' | 'failed';

export const toneWords: Record<Tone, string> = {
  ready: 'ready',
  working: 'working',
  'needs-action': 'needs action',
  failed: 'failed',
};

export function overallTone(report: DoctorReport): Tone {
  if (!report.engine) return 'failed';
  return report.ready ? 'ready' : 'needs-action';
}

export function overallHeadline(report: DoctorReport): string {
  if (!report.engine) return 'No Docker engine answered';
  const open = report.checks.filter((c) => c.status !== 'ok');
  if (report.ready && open.length === 0) return 'This machine is ready for multi-arch work';
  if (report.ready) return `Ready, with ${open.length} ${open.length === 1 ? 'thing' : 'things'} worth a look`;
  return `${open.length} ${open.length === 1 ? 'thing needs' : 'things need'} doing before multi-arch work`;
}

export function engineTone(report: DoctorReport): Tone {
  if (!report.engine) return 'failed';
  return report.engine.containerdImageStore ? 'ready' : 'needs-action';
}

export function buildxTone(report: DoctorReport): Tone {
  if (!report.buildx.available) return report.engine ? 'needs-action' : 'failed';
  return 'ready';
}

export function checkTone(status: CheckStatus): Tone {
  return status === 'ok' ? 'ready' : status === 'warning' ? 'needs-action' : 'failed';
}

export const checkWords: Record<CheckStatus, string> = { ok: 'ok', warning: 'worth a look', missing: 'missing' };

export function supportTone(support: PlatformSupport): Tone {
  return support === 'unavailable' ? 'failed' : 'ready';
}

export function taskTone(task: TaskSnapshot): Tone {
  switch (task.state) {
    case 'running':
      return 'working';
    case 'succeeded':
      return 'ready';
    case 'cancelled':
      return 'needs-action';
    default:
      return 'failed';
  }
}

/** 0..1 when the task knows how far it is, undefined when it can only say it is busy. */
export function taskFraction(task: TaskSnapshot): number | undefined {
  const p = task.progress;
  if (p?.total && p.total > 0) return Math.min(1, Math.max(0, p.current / p.total));
  if (task.steps.length > 0) {
    const done = task.steps.filter((s) => s.state === 'done' || s.state === 'skipped').length;
    return done / task.steps.length;
  }
  return undefined;
}

// one unit for bytes on every front: the CLI and the GUI print the same size the same way
export { formatBytes };

export function progressLabel(task: TaskSnapshot): string {
  const p = task.progress;
  if (!p) {
    const running = task.steps.find((s) => s.state === 'running');
    return running?.title ?? '';
  }
  const amount =
    p.total !== undefined
      ? p.unit === 'bytes'
        ? `${formatBytes(p.current)} of ${formatBytes(p.total)}`
        : `${p.current} of ${p.total}${p.unit === 'steps' ? ' steps' : ''}`
      : p.unit === 'bytes'
        ? formatBytes(p.current)
        : '';
  return [p.message, amount].filter(Boolean).join(' · ');
}
