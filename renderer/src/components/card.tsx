import type { ReactNode } from 'react';

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

export function ErrorNotice({ title, message, hint, action }: { title: string; message: string; hint?: string | undefined; action?: ReactNode }) {
  return (
    <div className="notice notice-error" role="alert">
      <strong>{title}</strong>
      <p>{message}</p>
      {hint ? <p className="notice-hint">{hint}</p> : null}
      {action ? <div className="notice-actions">{action}</div> : null}
    </div>
  );
}
