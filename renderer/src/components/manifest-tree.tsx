/**
 * A manifest list drawn as a tree: index -> one node per platform (attestations named for what they
 * describe) -> config and layers, with shared layers marked and the raw JSON of every node one click away.
 * Keyboard: Tab into the tree, arrows move and open/close, Enter or Space toggles, Home/End jump.
 */
import { createContext, useContext, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { ChevronDown, ChevronRight, FileJson, Layers, Link2, Package, Settings2 } from 'lucide-react';
import type { ConfigNode, ImageConfigSummary, ImageInspection, LayerNode, ManifestNode, TreeNode } from '../../../core/contract/registry.js';
import { formatBytes } from '../lib/status.js';
import { CopyButton } from './copy-button.js';
import {
  descriptorJson,
  initiallyExpanded,
  mediaTypeWords,
  nodeId,
  nodePlatform,
  nodeTitle,
  plural,
  prettyJson,
  shortDigest,
} from './manifest-tree-model.js';
import '../styles/registry-builder.css';

interface TreeCtx {
  expanded: Set<string>;
  toggle(id: string): void;
  focused: string;
  setFocused(id: string): void;
}

const Ctx = createContext<TreeCtx | null>(null);

function useTree(): TreeCtx {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error('tree items live inside <ManifestTree>');
  return ctx;
}

export function ManifestTree({ inspection }: { inspection: ImageInspection }) {
  const rootId = nodeId([], inspection.root);
  const [expanded, setExpanded] = useState<Set<string>>(() => initiallyExpanded(inspection.root));
  const [focused, setFocused] = useState(rootId);
  const treeRef = useRef<HTMLUListElement>(null);

  const ctx = useMemo<TreeCtx>(
    () => ({
      expanded,
      focused,
      setFocused,
      toggle: (id) =>
        setExpanded((prev) => {
          const next = new Set(prev);
          if (next.has(id)) next.delete(id);
          else next.add(id);
          return next;
        }),
    }),
    [expanded, focused],
  );

  const focusItem = (item: Element | null | undefined) => {
    if (!(item instanceof HTMLElement)) return;
    const id = item.dataset.nodeId;
    if (id) setFocused(id);
    item.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>) => {
    const item = e.target as HTMLElement;
    // Keys pressed on a button inside a row belong to that button.
    if (item.getAttribute('role') !== 'treeitem' || !treeRef.current) return;
    const items = Array.from(treeRef.current.querySelectorAll<HTMLElement>('[role="treeitem"]'));
    const i = items.indexOf(item);
    const id = item.dataset.nodeId ?? '';
    const expandable = item.hasAttribute('aria-expanded');
    const isOpen = item.getAttribute('aria-expanded') === 'true';
    let handled = true;
    switch (e.key) {
      case 'ArrowDown':
        focusItem(items[i + 1]);
        break;
      case 'ArrowUp':
        focusItem(items[i - 1]);
        break;
      case 'Home':
        focusItem(items[0]);
        break;
      case 'End':
        focusItem(items[items.length - 1]);
        break;
      case 'ArrowRight':
        if (expandable && !isOpen) ctx.toggle(id);
        else if (isOpen) focusItem(item.querySelector('[role="group"] [role="treeitem"]'));
        break;
      case 'ArrowLeft':
        if (isOpen) ctx.toggle(id);
        else focusItem(item.parentElement?.closest('[role="treeitem"]'));
        break;
      case 'Enter':
      case ' ':
        if (expandable) ctx.toggle(id);
        break;
      default:
        handled = false;
    }
    if (handled) e.preventDefault();
  };

  return (
    <Ctx.Provider value={ctx}>
      <ul className="tree" role="tree" aria-label={`Manifest tree of ${inspection.reference}`} ref={treeRef} onKeyDown={onKeyDown} data-testid="manifest-tree">
        <NodeItem node={inspection.root} path={[]} siblings={[]} level={1} inspection={inspection} />
      </ul>
    </Ctx.Provider>
  );
}

function NodeItem({ node, path, siblings, level, inspection }: { node: TreeNode; path: string[]; siblings: readonly TreeNode[]; level: number; inspection: ImageInspection }) {
  const id = nodeId(path, node);
  const title = nodeTitle(node, siblings);
  if (node.kind === 'index') {
    const platforms = node.children.filter((c) => c.kind === 'manifest' && c.role === 'platform').length;
    const attestations = node.children.filter((c) => c.kind === 'manifest' && c.role === 'attestation').length;
    const shared = inspection.sharedLayers.length;
    return (
      <Item
        id={id}
        level={level}
        className="tree-index"
        icon={<Package aria-hidden="true" size={14} />}
        title={title}
        meta={
          <>
            <span className="muted small">{mediaTypeWords(node.mediaType)}</span>
            <span className="small">{plural(platforms, 'platform')}</span>
            {attestations ? <span className="small muted">{plural(attestations, 'attestation')}</span> : null}
            {shared && level === 1 ? (
              <span className="badge badge-shared" title="Layers stored once and used by more than one platform">
                {plural(shared, 'shared layer')}
              </span>
            ) : null}
          </>
        }
        digest={node.digest}
        raw={node.raw}
        error={node.error}
        expandable
      >
        {node.children.map((child, i) => (
          <NodeItem key={`${i}-${child.digest}`} node={child} path={[...path, String(i)]} siblings={node.children} level={level + 1} inspection={inspection} />
        ))}
      </Item>
    );
  }
  return <ManifestItem node={node} id={id} title={title} level={level} />;
}

function ManifestItem({ node, id, title, level }: { node: ManifestNode; id: string; title: string; level: number }) {
  const attestation = node.role === 'attestation';
  const layersTotal = node.layers.reduce((sum, l) => sum + l.size, 0);
  const hasInside = node.config !== undefined || node.layers.length > 0;
  return (
    <Item
      id={id}
      level={level}
      className={attestation ? 'tree-attestation' : 'tree-platform'}
      platform={nodePlatform(node)}
      icon={attestation ? <Link2 aria-hidden="true" size={14} /> : <Layers aria-hidden="true" size={14} />}
      title={title}
      meta={
        <>
          {attestation ? <span className="badge">attestation</span> : null}
          {node.error ? null : (
            <>
              <span className="small">{plural(node.layers.length, 'layer')}</span>
              <span className="small" title={`${node.totalSize} bytes: config and layers, compressed, as a pull transfers them`}>
                total <strong data-field="total-size">{formatBytes(node.totalSize)}</strong>
              </span>
            </>
          )}
        </>
      }
      digest={node.digest}
      raw={node.raw}
      error={node.error}
      expandable={hasInside}
    >
      {node.config ? <ConfigItem config={node.config} id={`${id}/config`} level={level + 1} /> : null}
      {node.layers.length > 0 ? (
        <Item
          id={`${id}/layers`}
          level={level + 1}
          className="tree-layers"
          icon={<Layers aria-hidden="true" size={14} />}
          title="Layers"
          meta={
            <span className="small muted">
              {plural(node.layers.length, 'layer')} · {formatBytes(layersTotal)}
            </span>
          }
          expandable
        >
          {node.layers.map((layer, i) => (
            <LayerItem key={`${i}-${layer.digest}`} layer={layer} id={`${id}/layers/${i}`} level={level + 2} />
          ))}
        </Item>
      ) : null}
    </Item>
  );
}

function ConfigItem({ config, id, level }: { config: ConfigNode; id: string; level: number }) {
  return (
    <Item
      id={id}
      level={level}
      className="tree-config"
      icon={<Settings2 aria-hidden="true" size={14} />}
      title="Config"
      meta={<span className="small muted">{formatBytes(config.size)}</span>}
      digest={config.digest}
      raw={config.raw}
      error={config.error}
      expandable={config.summary !== null}
      details={config.summary ? <ConfigSummary summary={config.summary} /> : null}
    />
  );
}

function argv(list: string[] | null): ReactNode {
  if (!list || list.length === 0) return <span className="muted">none</span>;
  return <code>{JSON.stringify(list)}</code>;
}

function ConfigSummary({ summary }: { summary: ImageConfigSummary }) {
  return (
    <dl className="facts config-facts" data-testid="config-summary">
      <dt>architecture</dt>
      <dd>
        <code data-field="architecture">{summary.architecture}</code>
      </dd>
      <dt>os</dt>
      <dd>
        <code data-field="os">{summary.os}</code>
      </dd>
      {summary.variant ? (
        <>
          <dt>variant</dt>
          <dd>
            <code data-field="variant">{summary.variant}</code>
          </dd>
        </>
      ) : null}
      <dt>entrypoint</dt>
      <dd>{argv(summary.entrypoint)}</dd>
      <dt>cmd</dt>
      <dd>{argv(summary.cmd)}</dd>
      <dt>env</dt>
      <dd>
        {summary.env.length ? (
          <ul className="env-list">
            {summary.env.map((e) => (
              <li key={e}>
                <code>{e}</code>
              </li>
            ))}
          </ul>
        ) : (
          <span className="muted">none</span>
        )}
      </dd>
      {summary.workingDir ? (
        <>
          <dt>working dir</dt>
          <dd>
            <code>{summary.workingDir}</code>
          </dd>
        </>
      ) : null}
      {summary.user ? (
        <>
          <dt>user</dt>
          <dd>
            <code>{summary.user}</code>
          </dd>
        </>
      ) : null}
      <dt>created</dt>
      <dd>{summary.created ? <time dateTime={summary.created}>{formatCreated(summary.created)}</time> : <span className="muted">not recorded</span>}</dd>
      {summary.labels ? (
        <>
          <dt>labels</dt>
          <dd>
            <ul className="env-list">
              {Object.entries(summary.labels).map(([k, v]) => (
                <li key={k}>
                  <code>
                    {k}={v}
                  </code>
                </li>
              ))}
            </ul>
          </dd>
        </>
      ) : null}
    </dl>
  );
}

function formatCreated(created: string): string {
  const d = new Date(created);
  return Number.isNaN(d.getTime()) ? created : `${d.toLocaleString()} (${created})`;
}

function LayerItem({ layer, id, level }: { layer: LayerNode; id: string; level: number }) {
  const sharedWith = layer.sharedWith ?? [];
  return (
    <Item
      id={id}
      level={level}
      className={`tree-layer ${layer.shared ? 'tree-layer-shared' : ''}`}
      title={<code className="digest" title={layer.digest} data-field="layer-digest">{shortDigest(layer.digest)}</code>}
      label={`layer ${shortDigest(layer.digest)}, ${formatBytes(layer.size)}${layer.shared ? `, shared with ${sharedWith.join(', ') || 'another platform'}` : ''}`}
      meta={
        <>
          <span className="small" data-field="layer-size" title={`${layer.size} bytes`}>
            {formatBytes(layer.size)}
          </span>
          <span className="small muted">{mediaTypeWords(layer.mediaType)}</span>
          {layer.shared ? (
            <span className="badge badge-shared" data-field="shared">
              shared with {sharedWith.length ? sharedWith.join(', ') : 'another platform'}
            </span>
          ) : null}
        </>
      }
      digest={layer.digest}
      raw={descriptorJson(layer)}
      rawLabel="Descriptor JSON"
    />
  );
}

interface ItemProps {
  id: string;
  level: number;
  title: ReactNode;
  /** What a screen reader says for the item when the title is not plain text. */
  label?: string;
  icon?: ReactNode;
  meta?: ReactNode;
  digest?: string;
  raw?: string | undefined;
  rawLabel?: string;
  error?: { message: string; hint?: string } | undefined;
  className?: string;
  platform?: string | undefined;
  expandable?: boolean;
  /** Shown under the row while open (for leaves with facts rather than children). */
  details?: ReactNode;
  children?: ReactNode;
}

function Item({ id, level, title, label, icon, meta, digest, raw, rawLabel = 'Raw JSON', error, className, platform, expandable = false, details, children }: ItemProps) {
  const tree = useTree();
  const [showRaw, setShowRaw] = useState(false);
  const open = expandable && tree.expanded.has(id);
  const hasGroup = children !== undefined && children !== null && children !== false;
  const rawId = `${id}-raw`;
  return (
    <li
      role="treeitem"
      aria-level={level}
      aria-expanded={expandable ? open : undefined}
      aria-label={label ?? (typeof title === 'string' ? title : undefined)}
      tabIndex={tree.focused === id ? 0 : -1}
      data-node-id={id}
      data-platform={platform}
      className={`tree-item ${className ?? ''}`}
      onFocus={(e) => {
        if (e.target === e.currentTarget) tree.setFocused(id);
      }}
    >
      <div
        className="tree-row"
        onClick={(e) => {
          // Buttons in the row do their own thing.
          if ((e.target as HTMLElement).closest('button')) return;
          tree.setFocused(id);
          (e.currentTarget.parentElement as HTMLElement).focus();
          if (expandable) tree.toggle(id);
        }}
      >
        <span className="tree-twisty" aria-hidden="true">
          {expandable ? open ? <ChevronDown size={14} /> : <ChevronRight size={14} /> : null}
        </span>
        {icon ? <span className="tree-icon">{icon}</span> : null}
        <span className="tree-title">{title}</span>
        {meta ? <span className="tree-meta">{meta}</span> : null}
        <span className="tree-tools">
          {digest && typeof title === 'string' ? (
            <code className="digest muted" title={digest}>
              {shortDigest(digest)}
            </code>
          ) : null}
          {digest ? <CopyButton text={digest} label="Copy digest" /> : null}
          {raw !== undefined ? (
            <button type="button" className="link-button" aria-expanded={showRaw} aria-controls={rawId} onClick={() => setShowRaw((v) => !v)}>
              <FileJson aria-hidden="true" size={13} />
              {showRaw ? 'Hide JSON' : rawLabel}
            </button>
          ) : null}
        </span>
      </div>
      {error ? (
        <div className="tree-error" role="note">
          <strong>Could not read this part.</strong> {error.message}
          {error.hint ? <span className="muted"> {error.hint}</span> : null}
        </div>
      ) : null}
      {showRaw && raw !== undefined ? (
        <div className="raw-json" id={rawId}>
          <div className="raw-json-bar">
            <span className="small muted">{rawLabel}</span>
            <CopyButton text={raw} label={`Copy ${rawLabel.toLowerCase()}`} />
          </div>
          <pre>{prettyJson(raw)}</pre>
        </div>
      ) : null}
      {open && details ? <div className="tree-details">{details}</div> : null}
      {open && hasGroup ? (
        <ul role="group" className="tree-group">
          {children}
        </ul>
      ) : null}
    </li>
  );
}
