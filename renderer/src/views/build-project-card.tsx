import { useRef } from 'react';
import { FileCode2, FolderOpen, Sparkles } from 'lucide-react';
import { Card, ErrorNotice } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { buildContext, sampleIsStale, selectBuild, type BuildSource } from '../store/build-slice.js';
import { useAppStore } from '../store/provider.js';
import { BuildDockerfile } from './build-dockerfile.js';

/** Step one: the sample project (written into the workspace) or a folder of the user's own. */
export function BuildProjectCard() {
  const build = useAppStore(selectBuild);
  const setDraft = useAppStore((s) => s.setBuildDraft);
  const createSample = useAppStore((s) => s.createSample);
  const check = useAppStore((s) => s.checkBuildProject);
  const info = useAppStore((s) => s.info);
  const takeExistingSample = useAppStore((s) => s.useExistingSample);
  // after Create, Replace or Use, focus moves to what happened, so a keyboard user hears the result
  const resultRef = useRef<HTMLSpanElement>(null);
  const errorRef = useRef<HTMLDivElement>(null);
  const afterSample = (ok: boolean) => {
    requestAnimationFrame(() => (ok ? resultRef.current : errorRef.current)?.focus());
  };
  const write = (overwrite: boolean) => void createSample(overwrite).then(afterSample);
  const { draft, sample, sampleBusy, sampleError, checkBusy, checkError } = build;
  // a folder typed since the sample was written is another folder: writing there is a fresh create, never an overwrite
  const typedDir = draft.sampleDir.trim().replace(/\/+$/, '');
  const sampleHere = sample !== null && (typedDir === '' || typedDir === sample.dir);
  const stale = sampleHere && sampleIsStale(build);
  const context = buildContext(build);
  const disabled = build.running;

  const sourceOption = (value: BuildSource, title: string, help: string) => (
    <label className={`choice-card ${draft.source === value ? 'choice-card-on' : ''}`}>
      <input type="radio" name="build-source" value={value} checked={draft.source === value} onChange={() => setDraft({ source: value })} disabled={disabled} />
      <span>
        <strong>{title}</strong>
        <span className="field-help block">{help}</span>
      </span>
    </label>
  );

  return (
    <Card title="1. The project" icon={<FileCode2 aria-hidden="true" size={16} />} labelId="build-project-title">
      <fieldset className="choice" disabled={disabled}>
        <legend className="visually-hidden">Project to build</legend>
        <div className="choice-cards">
          {sourceOption('sample', 'Sample project', 'A Dockerfile that writes a script with a heredoc and prints uname -m: made to show which machine it runs on.')}
          {sourceOption('folder', 'A folder of my own', 'Any folder with a Dockerfile; it is sent to BuildKit as the build context.')}
        </div>
      </fieldset>

      {draft.source === 'sample' ? (
        <div className="build-subform">
          <div className="fields">
            <div className="field">
              <label htmlFor="build-sample-kind">Which sample</label>
              <select id="build-sample-kind" value={draft.sampleKind} onChange={(e) => setDraft({ sampleKind: e.target.value === 'fast' ? 'fast' : 'plain' })} disabled={disabled} aria-describedby="build-sample-kind-help">
                <option value="plain">Plain: every step runs as the target platform</option>
                <option value="fast">The fast way: a $BUILDPLATFORM stage, copied in</option>
              </select>
              <p id="build-sample-kind-help" className="field-help">
                {draft.sampleKind === 'fast'
                  ? 'The work runs in a FROM --platform=$BUILDPLATFORM stage on the builder’s own CPU for every target; the final stage only copies it in (COPY --from), so nothing runs emulated.'
                  : 'Its RUN step executes the target platform’s programs: under emulation for the platforms your machine does not run natively.'}
              </p>
            </div>
            <div className="field">
              <label htmlFor="build-base">Base image</label>
              <input id="build-base" value={draft.base} onChange={(e) => setDraft({ base: e.target.value })} spellCheck={false} autoComplete="off" disabled={disabled} aria-describedby="build-base-help" />
              <p id="build-base-help" className="field-help">
                The FROM line. It must exist for every platform you build (alpine:3.15 does); use a copy in your local registry when Docker Hub is out of reach.
              </p>
            </div>
            <div className="field">
              <label htmlFor="build-sample-dir">Folder (optional)</label>
              <input
                id="build-sample-dir"
                value={draft.sampleDir}
                onChange={(e) => setDraft({ sampleDir: e.target.value })}
                placeholder={draft.sampleKind === 'fast' ? 'the workspace’s hello-multiarch-fast folder' : 'the workspace’s hello-multiarch folder'}
                spellCheck={false}
                autoComplete="off"
                disabled={disabled}
              />
              <p className="field-help">Where to write the Dockerfile and a README; the workspace folder is set in Settings.</p>
            </div>
          </div>
          <div className="button-row">
            <button type="button" className={`button ${sampleHere && !stale ? '' : 'primary'}`} onClick={() => write(stale)} disabled={disabled || sampleBusy} aria-busy={sampleBusy}>
              <Sparkles aria-hidden="true" size={14} />
              {sampleBusy ? 'Writing…' : sampleHere ? (stale ? 'Write it again with this base' : 'Write it again') : 'Create sample project'}
            </button>
            {sample ? (
              <span className="small" data-testid="sample-dir" ref={resultRef} tabIndex={-1}>
                Written to <code>{sample.dir}</code>
              </span>
            ) : (
              <span className="small muted">Nothing written yet: the build needs the files on disk.</span>
            )}
          </div>
          {stale && sample ? (
            <div className="notice notice-warning" role="status">
              <strong>The sample on disk is not the one chosen</strong>
              <p>
                It was written as the {sample.sample === 'fast' ? 'fast' : 'plain'} sample with <code>{sample.base}</code>. Write it again to build the{' '}
                {draft.sampleKind === 'fast' ? 'fast' : 'plain'} sample from <code>{draft.base.trim() || '…'}</code>.
              </p>
            </div>
          ) : null}
          {sampleError ? (
            <div ref={errorRef} tabIndex={-1} data-testid="sample-error">
            <ErrorNotice
              title={sampleError.isSample ? 'The folder already holds the sample' : sampleError.exists ? 'The folder already holds files of that name' : 'The sample project was not written'}
              message={sampleError.message}
              hint={
                sampleError.isSample
                  ? 'Use these files as they are, or replace them with a fresh copy.'
                  : sampleError.exists
                    ? 'Replace them with a fresh copy of the sample, or pick another folder.'
                    : sampleError.hint
              }
              action={
                sampleError.exists ? (
                  <span className="button-row">
                    {sampleError.isSample ? (
                      <button type="button" className="button primary" onClick={() => void takeExistingSample().then(afterSample)} disabled={sampleBusy}>
                        Use these files
                      </button>
                    ) : null}
                    <button type="button" className="button" onClick={() => write(true)} disabled={sampleBusy}>
                      Replace the files
                    </button>
                  </span>
                ) : undefined
              }
            />
            </div>
          ) : null}
          {sample ? (
            <p className="small muted">
              {sample.labsSyntax.added ? 'Added the line # syntax=docker/dockerfile:1-labs: ' : 'No # syntax= line: '}
              {sample.labsSyntax.reason}
            </p>
          ) : null}
          {sample ? (
            <div className="equivalent">
              <p className="small muted">The same from the command line:</p>
              <CommandLine args={[...(info?.cli ?? ['multiarch-lab']), 'init', sample.dir, '--base', sample.base, ...(sample.sample === 'fast' ? ['--sample', 'fast'] : [])]} />
            </div>
          ) : null}
        </div>
      ) : (
        <div className="build-subform">
          <div className="fields">
            <div className="field">
              <label htmlFor="build-folder">Folder</label>
              <input
                id="build-folder"
                value={draft.folder}
                onChange={(e) => setDraft({ folder: e.target.value })}
                placeholder="/home/me/projects/my-app"
                spellCheck={false}
                autoComplete="off"
                disabled={disabled}
              />
              <p className="field-help">The build context: an absolute path on the machine that runs Multiarch Lab.</p>
            </div>
            <div className="field">
              <label htmlFor="build-dockerfile">Dockerfile (optional)</label>
              <input
                id="build-dockerfile"
                value={draft.dockerfile}
                onChange={(e) => setDraft({ dockerfile: e.target.value })}
                placeholder="Dockerfile"
                spellCheck={false}
                autoComplete="off"
                disabled={disabled}
              />
              <p className="field-help">Relative to the folder, or absolute.</p>
            </div>
          </div>
          <div className="button-row">
            <button type="button" className="button" onClick={() => void check()} disabled={disabled || checkBusy || !context} aria-busy={checkBusy}>
              <FolderOpen aria-hidden="true" size={14} />
              {checkBusy ? 'Reading…' : 'Read the Dockerfile'}
            </button>
          </div>
        </div>
      )}

      {checkError ? <ErrorNotice title="The Dockerfile could not be read" message={checkError.message} hint={checkError.hint} /> : null}
      {build.check ? <BuildDockerfile check={build.check} failedLine={build.failure?.details?.dockerfileError?.line ?? null} /> : null}
    </Card>
  );
}

