/**
 * A modal question before something that cannot be undone. Built on the native <dialog>: it traps focus,
 * makes the page behind it inert, closes on Escape and gives focus back to the button that opened it,
 * all without injecting <style> elements (which the app's Content Security Policy refuses).
 */
import { useEffect, useId, useRef, type ReactNode } from 'react';
import '../styles/registry-builder.css';
import { ErrorNotice } from './card.js';
import type { UiError } from '../store/types.js';

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** Shown on the confirm button while the action runs. */
  busyLabel?: string;
  busy?: boolean;
  /** Destructive actions get the red button. */
  danger?: boolean;
  /** E.g. until the user has typed the name of what goes away. */
  confirmDisabled?: boolean;
  error?: UiError | null;
  errorTitle?: string;
  onConfirm(): void;
  onClose(): void;
  testId?: string;
}

export function ConfirmDialog(props: ConfirmDialogProps) {
  const { open, title, children, confirmLabel, busyLabel, busy = false, danger = false, confirmDisabled = false, error, errorTitle, onConfirm, onClose, testId } = props;
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      // The safe choice gets focus first, so a stray Enter never confirms.
      dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      data-testid={testId}
      onCancel={(e) => {
        // Escape: the parent owns `open`; while the action runs, the dialog stays so its outcome is seen.
        e.preventDefault();
        if (!busy) onClose();
      }}
      onClose={() => {
        if (open) onClose();
      }}
    >
      {open ? (
        <div className="dialog-inner">
          <h2 id={titleId} className="dialog-title">
            {title}
          </h2>
          <div id={bodyId} className="dialog-body">
            {children}
          </div>
          {error ? <ErrorNotice title={errorTitle ?? 'That did not work'} message={error.message} hint={error.hint} /> : null}
          <div className="dialog-actions">
            <button type="button" className="button" onClick={onClose} disabled={busy} data-autofocus>
              Cancel
            </button>
            <button type="button" className={`button ${danger ? 'danger' : 'primary'}`} onClick={onConfirm} disabled={busy || confirmDisabled} aria-busy={busy}>
              {busy ? (busyLabel ?? `${confirmLabel}…`) : confirmLabel}
            </button>
          </div>
        </div>
      ) : null}
    </dialog>
  );
}
