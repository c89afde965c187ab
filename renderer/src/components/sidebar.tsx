import { Boxes, Hammer, Database, Play, Settings, Stethoscope, type LucideIcon } from 'lucide-react';
import { hashForView, type ViewId } from '../lib/views.js';
import { selectInfo, selectView } from '../store/index.js';
import { useAppStore } from '../store/provider.js';
import { TaskIndicator } from './task-indicator.js';

const items: { id: ViewId; label: string; icon: LucideIcon }[] = [
  { id: 'doctor', label: 'Doctor', icon: Stethoscope },
  { id: 'registry', label: 'Registry', icon: Database },
  { id: 'builder', label: 'Builder', icon: Hammer },
  { id: 'build', label: 'Build', icon: Boxes },
  { id: 'runs', label: 'Runs', icon: Play },
  { id: 'settings', label: 'Settings', icon: Settings },
];

export function Sidebar() {
  const view = useAppStore(selectView);
  const info = useAppStore(selectInfo);
  return (
    <aside className="sidebar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          <Boxes size={18} />
        </span>
        <span className="brand-name">Multiarch Lab</span>
      </div>
      <nav aria-label="Areas">
        <ul>
          {items.map(({ id, label, icon: Icon }) => (
            <li key={id}>
              {/* Links, so the address says where you are and the browser's back button works. */}
              <a href={hashForView(id)} className="nav-item" aria-current={view === id ? 'page' : undefined}>
                <Icon aria-hidden="true" size={16} />
                {label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="sidebar-footer">
        <TaskIndicator />
        {info ? (
          <p className="app-version">
            v{info.version} · {info.mode === 'electron' ? 'desktop' : info.mode}
          </p>
        ) : null}
      </div>
    </aside>
  );
}
