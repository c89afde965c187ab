import type { ReactNode } from 'react';
import { PlainHttpAddButton } from './plain-http-button.js';

export function Card({ title, icon, actions, children, className, labelId }: { title: ReactNode; icon?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string; labelId: string }) {
  return (
    <section className={`card ${className ?? ''}`} aria-labelledby={labelId}>
      <header className="card-header">
        <h2 id={labelId}>
          {icon}
          {title}
        </h2>
        {actions ? <div className="card-actions">{actions}</div> : null}
      </header>
      <div className="card-body">{children}</div>
    </section>
  );
}

/** A failure in words with its hint; `onDismiss` adds the usual Dismiss button as its action. */
export function ErrorNotice({
  title,
  message,
  hint,
  action,
  onDismiss,
  plainHttpRegistry,
}: {
  title: string;
  message: string;
  hint?: string | undefined;
  action?: ReactNode;
  onDismiss?: () => void;
  /** The registry to offer adding to the plain-HTTP list (from the error's details). */
  plainHttpRegistry?: string | undefined;
}) {
  const dismiss = onDismiss ? (
    <button type="button" className="button" onClick={onDismiss}>
      Dismiss
    </button>
  ) : null;
  const actions = plainHttpRegistry ? (
    <>
      <PlainHttpAddButton registry={plainHttpRegistry} />
      {action ?? dismiss}
    </>
  ) : (
    action ?? dismiss
  );
  return (
    <div className="notice notice-error" role="alert">
      <strong>{title}</strong>
      <p>{message}</p>
      {hint ? <p className="notice-hint">{hint}</p> : null}
      {actions ? <div className="notice-actions">{actions}</div> : null}
    </div>
  );
}

/** What an action did, in words, with whatever shows it (commands, tables) and a Dismiss button. */
export function SuccessNotice({ title, testId, onDismiss, children }: { title: ReactNode; testId?: string; onDismiss: () => void; children?: ReactNode }) {
  return (
    <div className="notice notice-success" role="status" data-testid={testId}>
      <strong>{title}</strong>
      {children}
      <div className="notice-actions">
        <button type="button" className="button" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
    </div>
  );
}
