import { ArrowRight, type LucideIcon } from 'lucide-react';
import { hashForView } from '../lib/views.js';

/** An honest stand-in for an area that is not built yet: what it will do, and where to go meanwhile. */
export function PlaceholderView({ title, icon: Icon, purpose }: { title: string; icon: LucideIcon; purpose: string }) {
  return (
    <div className="view">
      <header className="view-header">
        <div>
          <h1>{title}</h1>
        </div>
      </header>
      <section className="card placeholder" aria-labelledby="placeholder-title">
        <Icon aria-hidden="true" size={28} className="placeholder-icon" />
        <h2 id="placeholder-title">The {title.toLowerCase()} area is coming</h2>
        <p>{purpose}</p>
        <p className="muted">Until then, the Doctor shows whether this machine is ready for multi-arch work and what to fix first.</p>
        <a className="button" href={hashForView('doctor')}>
          Open the Doctor
          <ArrowRight aria-hidden="true" size={14} />
        </a>
      </section>
    </div>
  );
}
