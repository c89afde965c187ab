import { useState, type ReactNode } from 'react';
import { Boxes, FolderGit2, RefreshCw, Tag, Trash2 } from 'lucide-react';
import type { RegistryStatus } from '../../../core/contract/registry-lifecycle.js';
import { Card, ErrorNotice } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { CopyButton } from '../components/copy-button.js';
import { ManifestTree } from '../components/manifest-tree.js';
import { shortDigest } from '../components/manifest-tree-model.js';
import { useAppStore } from '../store/provider.js';
import { imageRef, selectRegistryBrowser } from '../store/registry-slice.js';
import { pushCommands } from '../../../core/commands/registry.js';
import { VerifyPanel } from './verify-panel.js';

type Existing = Extract<RegistryStatus, { exists: true }>;

export function RegistryBrowser({ status }: { status: Existing }) {
  const browser = useAppStore(selectRegistryBrowser);
  const loadCatalog = useAppStore((s) => s.loadCatalog);
  const openRepository = useAppStore((s) => s.openRepository);
  const openTag = useAppStore((s) => s.openTag);
  const resume = useAppStore((s) => s.resumeRegistry);
  const busy = useAppStore((s) => s.registry.busy);
  const { address } = browser;

  return (
    <Card
      title={address ? `Images in ${address}` : 'Images'}
      icon={<Boxes aria-hidden="true" size={16} />}
      labelId="registry-browser-title"
      className="registry-browser"
      actions={
        address ? (
          <button type="button" className="button" onClick={() => void loadCatalog()} disabled={browser.catalogLoading} aria-busy={browser.catalogLoading}>
            <RefreshCw aria-hidden="true" size={14} className={browser.catalogLoading ? 'spin' : undefined} />
            Refresh list
          </button>
        ) : null
      }
    >
      {!address ? (
        status.running ? (
          <p className="empty">The registry runs but its port is not published on this machine, so there is nothing to browse from here.</p>
        ) : (
          <div className="empty-inline">
            <p className="empty">The registry is stopped. Start it to see the images it holds.</p>
            <button type="button" className="button primary" onClick={() => void resume()} disabled={busy !== null}>
              Start
            </button>
          </div>
        )
      ) : (
        <>
          {browser.catalogError ? (
            <ErrorNotice
              title="Could not list the repositories"
              message={browser.catalogError.message}
              hint={browser.catalogError.hint}
              action={
                <button type="button" className="button" onClick={() => void loadCatalog()}>
                  Try again
                </button>
              }
            />
          ) : null}
          {browser.deleted ? (
            <div className="notice notice-success" role="status">
              <strong>Deleted</strong>
              <p>
                The manifest {shortDigest(browser.deleted.digest)} is gone from {browser.deleted.repository}. Its layers stay on disk until you run Garbage collect.
              </p>
            </div>
          ) : null}
          {browser.catalog && browser.catalog.repositories.length === 0 ? (
            <div className="empty-inline" data-testid="registry-no-repositories">
              <p className="empty">No images in this registry yet. Tag an image for it and push, then press Refresh list:</p>
              <div className="commands">
                {pushCommands(address).map((args) => (
                  <CommandLine key={args.join(' ')} args={args} />
                ))}
              </div>
            </div>
          ) : null}
          {browser.catalog && browser.catalog.repositories.length > 0 ? (
            <div className="browser-grid">
              <div className="browser-lists">
                <PickList
                  title="Repositories"
                  icon={<FolderGit2 aria-hidden="true" size={14} />}
                  items={browser.catalog.repositories}
                  selected={browser.repository}
                  onPick={(r) => void openRepository(r)}
                  note={browser.catalog.truncated ? 'Showing the first part of a long list.' : undefined}
                  testId="repositories"
                />
                {browser.repository ? (
                  <>
                    {browser.tagsError ? <ErrorNotice title={`Could not list the tags of ${browser.repository}`} message={browser.tagsError.message} hint={browser.tagsError.hint} /> : null}
                    {browser.tags ? (
                      browser.tags.tags.length ? (
                        <PickList
                          title={`Tags of ${browser.repository}`}
                          icon={<Tag aria-hidden="true" size={14} />}
                          items={browser.tags.tags}
                          selected={browser.tag}
                          onPick={(t) => void openTag(t)}
                          testId="tags"
                        />
                      ) : (
                        <p className="empty small">No tags left in {browser.repository}: its manifests were deleted. Garbage collect frees their space.</p>
                      )
                    ) : browser.tagsLoading ? (
                      <p className="muted small" role="status">
                        Reading tags…
                      </p>
                    ) : null}
                  </>
                ) : null}
              </div>
              <div className="browser-detail">
                {browser.tag ? (
                  <ImageDetail deleteEnabled={status.deleteEnabled} />
                ) : (
                  <p className="empty">{browser.repository ? 'Pick a tag to look inside it.' : 'Pick a repository, then a tag, to see its platforms, config and layers.'}</p>
                )}
              </div>
            </div>
          ) : null}
          {!browser.catalog && browser.catalogLoading ? (
            <p className="muted" role="status">
              Reading the catalog…
            </p>
          ) : null}
        </>
      )}
    </Card>
  );
}

function PickList({
  title,
  icon,
  items,
  selected,
  onPick,
  note,
  testId,
}: {
  title: string;
  icon: ReactNode;
  items: string[];
  selected: string | null;
  onPick(item: string): void;
  note?: string | undefined;
  testId: string;
}) {
  const headingId = `pick-${testId}`;
  return (
    <nav className="pick-list" aria-labelledby={headingId} data-testid={testId}>
      <h3 id={headingId}>
        {icon}
        {title} <span className="muted">({items.length})</span>
      </h3>
      <ul>
        {items.map((item) => (
          <li key={item}>
            <button type="button" className="pick" aria-current={item === selected ? 'true' : undefined} onClick={() => onPick(item)}>
              {item}
            </button>
          </li>
        ))}
      </ul>
      {note ? <p className="muted small">{note}</p> : null}
    </nav>
  );
}

function ImageDetail({ deleteEnabled }: { deleteEnabled: boolean }) {
  const browser = useAppStore(selectRegistryBrowser);
  const openTag = useAppStore((s) => s.openTag);
  const deleteTag = useAppStore((s) => s.deleteSelectedTag);
  const [confirming, setConfirming] = useState(false);
  const { address, repository, tag, inspection } = browser;
  if (!address || !repository || !tag) return null;
  const reference = imageRef(address, repository, tag);

  return (
    <div className="image-detail" data-testid="image-detail">
      <div className="image-head">
        <div className="image-title">
          <h3>
            <code>{reference}</code>
          </h3>
          {inspection ? (
            <p className="small">
              <span className="mono-inline">
                <code title={inspection.digest}>{shortDigest(inspection.digest, 16)}</code>
                <CopyButton text={`${address}/${repository}@${inspection.digest}`} label="Copy reference by digest" />
              </span>{' '}
              <span data-testid="platform-count">
                {inspection.platforms.length} {inspection.platforms.length === 1 ? 'platform' : 'platforms'}
              </span>
              {inspection.platforms.length ? <span className="muted">: {inspection.platforms.join(', ')}</span> : null}
            </p>
          ) : null}
        </div>
        <button type="button" className="button danger-outline" onClick={() => setConfirming(true)} disabled={browser.deleting}>
          <Trash2 aria-hidden="true" size={14} />
          Delete tag…
        </button>
      </div>

      {browser.inspectError ? (
        <ErrorNotice
          title={`Could not read ${reference}`}
          message={browser.inspectError.message}
          hint={browser.inspectError.hint}
          action={
            <button type="button" className="button" onClick={() => void openTag(tag)}>
              Try again
            </button>
          }
        />
      ) : null}
      {browser.inspectLoading ? (
        <p className="muted" role="status">
          Reading the manifests…
        </p>
      ) : null}
      {inspection ? (
        <>
          <ManifestTree key={`${reference}@${inspection.digest}`} inspection={inspection} />
          <div className="equivalent">
            <p className="small muted">The same look with buildx:</p>
            <div className="commands">
              <CommandLine args={inspection.commands.inspect} />
              <CommandLine args={inspection.commands.raw} />
            </div>
          </div>
          <VerifyPanel key={reference} reference={reference} />
        </>
      ) : null}

      <ConfirmDialog
        open={confirming}
        title={`Delete ${repository}:${tag}?`}
        confirmLabel="Delete"
        busyLabel="Deleting…"
        busy={browser.deleting}
        danger
        error={browser.deleteError}
        errorTitle="Not deleted"
        onConfirm={() => void deleteTag().then((ok) => ok && setConfirming(false))}
        onClose={() => setConfirming(false)}
        testId="delete-tag-dialog"
      >
        <p>
          A registry deletes manifests, not tags: this removes the manifest <code>{inspection ? shortDigest(inspection.digest, 16) : tag}</code> that <code>{tag}</code> points to, and with it
          every other tag on that same manifest. Its layers stay on disk until you run Garbage collect.
        </p>
        {!deleteEnabled ? (
          <p className="notice notice-warning">
            This registry was started without deletes enabled, so it will refuse. To allow deletes, remove the container (keep the volume), then start it again with “Enable deletes”
            ticked under Options.
          </p>
        ) : null}
      </ConfirmDialog>
    </div>
  );
}
