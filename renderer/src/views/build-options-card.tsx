import { useEffect } from 'react';
import { CircleStop, Hammer, Play, SlidersHorizontal } from 'lucide-react';
import type { BuildMode } from '../../../core/contract/build.js';
import { dockerHubWarning, imageReferenceProblem } from '../../../core/contract/input-words.js';
import { Card } from '../components/card.js';
import { CommandLine } from '../components/command-line.js';
import { selectBuilders } from '../store/builder-slice.js';
import { buildContext, sampleIsStale, selectBuild } from '../store/build-slice.js';
import { selectDoctor, selectSettings } from '../store/index.js';
import { useAppStore } from '../store/provider.js';
import { selectRegistry } from '../store/registry-slice.js';
import { automaticBuilder, cacheChoice, defaultTag, MODE_TEXT, navigate, PLATFORM_OPTIONS, previewCommands, registryOfTag, supportByPlatform } from './build-model.js';

const supportWords = { native: 'native', emulated: 'emulated', unavailable: 'no emulator' } as const;

/** Step two: platforms, where to push, which builder and which of the two ways; then Build (or Cancel). */
export function BuildOptionsCard() {
  const build = useAppStore(selectBuild);
  const setDraft = useAppStore((s) => s.setBuildDraft);
  const startBuild = useAppStore((s) => s.startBuild);
  const cancelBuild = useAppStore((s) => s.cancelBuild);
  const dismissWarnings = useAppStore((s) => s.dismissBuildWarnings);
  const settings = useAppStore(selectSettings).value;
  const builders = useAppStore(selectBuilders);
  const report = useAppStore(selectDoctor).report;
  const registry = useAppStore(selectRegistry).status;

  const { draft, running, cancelling, pendingWarnings } = build;
  const tag = draft.tag ?? defaultTag(settings?.registry.port);
  const context = buildContext(build);
  const support = supportByPlatform(report?.platforms);
  const existing = builders.list ? builders.list.builders.map((b) => b.name) : null;
  const auto = automaticBuilder(draft.mode, builders.defaultDriver, settings?.builder.name, existing);
  const builderName = draft.builder || auto.name;
  // The preview shows what will run: registry.insecure=true and --insecure only for a registry on the plain-HTTP list.
  const tagRegistry = registryOfTag(tag.trim());
  const plainHttpCheck = useAppStore((s) => s.plainHttpChecks[tagRegistry]);
  const checkPlainHttp = useAppStore((s) => s.checkPlainHttp);
  useEffect(() => {
    if (!plainHttpCheck) void checkPlainHttp(tagRegistry);
  }, [tagRegistry, plainHttpCheck, checkPlainHttp]);
  // The cache: the core's rule over the builder list's facts (driver, nodes) for the builder this build will use.
  const cache = cacheChoice({ on: draft.registryCache, typed: draft.cacheRef, tag: tag.trim(), mode: draft.mode, platforms: draft.platforms, builderName, builders: builders.list });
  const cacheRegistry = cache.plan ? registryOfTag(cache.plan.ref) : tagRegistry;
  const cachePlainHttpCheck = useAppStore((s) => s.plainHttpChecks[cacheRegistry]);
  useEffect(() => {
    if (!cachePlainHttpCheck) void checkPlainHttp(cacheRegistry);
  }, [cacheRegistry, cachePlainHttpCheck, checkPlainHttp]);

  const togglePlatform = (platform: string, on: boolean) => {
    const next = PLATFORM_OPTIONS.map((o) => o.platform).filter((p) => (p === platform ? on : draft.platforms.includes(p)));
    setDraft({ platforms: next });
  };

  const localRegistry = registry?.exists && registry.running && registry.address ? registry.address : null;
  const pushesToLocal = tag.startsWith('localhost:') || tag.startsWith('127.0.0.1:');
  const registryMissing = pushesToLocal && registry !== null && (!localRegistry || !tag.startsWith(`${localRegistry}/`));

  const problems: string[] = [];
  if (!context) problems.push(draft.source === 'sample' ? 'Create the sample project first (step 1).' : 'Type the folder to build (step 1).');
  if (draft.platforms.length === 0) problems.push('Pick at least one platform.');
  // checked as the user types, in the core's words: Build stays off until the name is one docker takes
  const tagProblem = imageReferenceProblem(tag.trim()) ?? (tag.includes('@') ? 'push to a tag, not a digest' : null);
  const hubWarning = tagProblem ? null : dockerHubWarning(tag.trim());
  if (tagProblem) problems.push('Fix the image name.');
  if (cache.problem && !tagProblem) problems.push('Fix the cache ref.');
  const canBuild = !running && problems.length === 0;
  // Build turns itself off while it runs: focus goes to the build's card at once, and to its outcome when it ends
  const focusOutcome = () => requestAnimationFrame(() => document.getElementById('build-outcome')?.focus());
  const build_ = (ignoreWarnings: boolean) => {
    const started = startBuild({ tag, ...(cache.plan ? { cacheRef: cache.plan.ref } : {}), ...(ignoreWarnings ? { ignoreWarnings: true } : {}) });
    focusOutcome();
    void started.then(focusOutcome);
  };

  return (
    <Card title="2. Platforms, image and builder" icon={<SlidersHorizontal aria-hidden="true" size={16} />} labelId="build-options-title">
      <fieldset className="choice build-platforms" disabled={running}>
        <legend className="field-label">Platforms</legend>
        <div className="platform-grid">
          {PLATFORM_OPTIONS.map((o) => {
            const s = support.get(o.platform)?.support;
            return (
              <label key={o.platform} className="check-field platform-option">
                <input
                  type="checkbox"
                  checked={draft.platforms.includes(o.platform)}
                  onChange={(e) => togglePlatform(o.platform, e.target.checked)}
                  aria-label={o.platform}
                  aria-describedby={`platform-help-${o.platform.replace(/\//g, '-')}`}
                />
                <span>
                  <code className="platform-name">{o.platform}</code>
                  {s ? <span className={`badge badge-${s}`}>{supportWords[s]}</span> : null}
                  <span id={`platform-help-${o.platform.replace(/\//g, '-')}`} className="field-help block">
                    {o.machines}
                    {s ? ` (${supportWords[s]} on this engine)` : ''}
                  </span>
                </span>
              </label>
            );
          })}
        </div>
      </fieldset>

      <div className="fields build-fields">
        <div className={`field ${tagProblem ? 'field-invalid' : ''}`}>
          <label htmlFor="build-tag">Image (repository and tag)</label>
          <input
            id="build-tag"
            value={tag}
            onChange={(e) => setDraft({ tag: e.target.value })}
            spellCheck={false}
            autoComplete="off"
            disabled={running}
            aria-invalid={tagProblem ? true : undefined}
            aria-describedby={`build-tag-help${tagProblem ? ' build-tag-error' : ''}${hubWarning ? ' build-tag-warning' : ''}`}
          />
          <p id="build-tag-help" className="field-help">
            Where the manifest list is pushed. The default follows the registry port in Settings.
          </p>
          {tagProblem ? (
            <p id="build-tag-error" className="field-error" data-testid="build-tag-error">
              {tagProblem}
            </p>
          ) : null}
          {hubWarning ? (
            <p id="build-tag-warning" className="field-warning" role="status" data-testid="build-tag-warning">
              {hubWarning}
            </p>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor="build-builder">Builder</label>
          <select id="build-builder" value={draft.builder} onChange={(e) => setDraft({ builder: e.target.value })} disabled={running} aria-describedby="build-builder-help">
            <option value="">Automatic{auto.name ? `: ${auto.name}` : ''}</option>
            {(builders.list?.builders ?? []).map((b) => (
              <option key={b.name} value={b.name}>
                {b.name} ({b.driver})
              </option>
            ))}
          </select>
          <p id="build-builder-help" className="field-help">
            {draft.builder ? `The builder you chose (${draft.builder}).` : `Automatic picks ${auto.reason}.`}
          </p>
        </div>
      </div>
      {!draft.builder && auto.missing ? (
        <div className="notice notice-warning" role="status">
          <strong>The builder {auto.name} does not exist yet</strong>
          <p>This engine’s own builder cannot build several platforms at once; create the host-networked builder first.</p>
          <div className="notice-actions">
            <button type="button" className="button" onClick={() => navigate('builder')}>
              Go to Builder
            </button>
          </div>
        </div>
      ) : null}

      <fieldset className="choice build-modes" disabled={running}>
        <legend className="field-label">How to build</legend>
        <div className="choice-cards">
          {(['modern', 'old-school'] as BuildMode[]).map((mode) => (
            <label key={mode} className={`choice-card ${draft.mode === mode ? 'choice-card-on' : ''}`}>
              <input type="radio" name="build-mode" value={mode} checked={draft.mode === mode} onChange={() => setDraft({ mode })} />
              <span>
                <strong>{MODE_TEXT[mode].title}</strong>
                <span className="field-help block">{MODE_TEXT[mode].sentence}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>

      <label className="check-field">
        <input type="checkbox" checked={draft.noCache} onChange={(e) => setDraft({ noCache: e.target.checked })} disabled={running} />
        <span>
          Build every step again
          <span className="field-help"> Ignores the build cache (--no-cache), so the timeline shows what each step costs on each platform.</span>
        </span>
      </label>

      <div className="build-cache" data-testid="build-cache">
        <label className="check-field">
          <input
            type="checkbox"
            checked={draft.registryCache && !cache.unavailable}
            onChange={(e) => setDraft({ registryCache: e.target.checked })}
            disabled={running || !!cache.unavailable}
            aria-describedby={cache.unavailable ? 'build-cache-help build-cache-unavailable' : 'build-cache-help'}
          />
          <span>
            Use a build cache in the local registry
            <span id="build-cache-help" className="field-help">
              {' '}
              Reads the cache before the build (--cache-from) and writes every stage’s layers after it (--cache-to, mode=max), so the next build, on this machine or
              another, reuses the steps that did not change.
            </span>
          </span>
        </label>
        {cache.unavailable ? (
          <div className="notice notice-info" role="status" id="build-cache-unavailable" data-testid="build-cache-unavailable">
            <strong>No registry cache with this builder</strong>
            <p>{cache.unavailable.charAt(0).toUpperCase() + cache.unavailable.slice(1)}.</p>
            <div className="notice-actions">
              <button type="button" className="button" onClick={() => navigate('builder')}>
                Go to Builder
              </button>
            </div>
          </div>
        ) : null}
        {draft.registryCache && !cache.unavailable ? (
          <div className={`field build-cache-ref ${cache.problem ? 'field-invalid' : ''}`}>
            <label htmlFor="build-cache-ref">Cache ref</label>
            <input
              id="build-cache-ref"
              value={draft.cacheRef ?? cache.defaultRef ?? ''}
              placeholder={cache.defaultRef}
              onChange={(e) => setDraft({ cacheRef: e.target.value })}
              spellCheck={false}
              autoComplete="off"
              disabled={running}
              aria-invalid={cache.problem ? true : undefined}
              aria-describedby={`build-cache-ref-help${cache.problem ? ' build-cache-ref-error' : ''}`}
            />
            <p id="build-cache-ref-help" className="field-help">
              {draft.cacheRef?.trim() ? 'The tag you typed. ' : 'Next to the image, under the tag buildcache. '}
              {cache.plan?.refs && cache.plan.refs.length > 1 ? (
                <>
                  {draft.mode === 'old-school' ? 'Each platform’s build keeps its own: ' : cache.plan.split ? 'Each node’s build keeps its platforms’ own: ' : 'Reads '}
                  {cache.plan.refs.map((r, i) => (
                    <span key={r}>
                      {i ? ', ' : ''}
                      <code data-testid="build-cache-refs">{r}</code>
                    </span>
                  ))}
                  {draft.mode === 'old-school' ? ' (an export replaces the whole ref, so one shared ref would keep only the last platform).' : cache.plan.split ? ' (one build per node, joined into one list).' : '.'}
                </>
              ) : null}
              {cache.unknownBuilder ? ' Whether the builder can keep a cache is checked when the build starts.' : ''}
            </p>
            {cache.plan?.reason ? (
              <p className="field-help" data-testid="build-cache-note">
                {cache.plan.split ? 'Split per node: ' : ''}
                {cache.plan.reason}.
              </p>
            ) : null}
            {cache.problem ? (
              <p id="build-cache-ref-error" className="field-error" data-testid="build-cache-ref-error">
                {cache.problem}
              </p>
            ) : null}
          </div>
        ) : null}
      </div>

      {registryMissing ? (
        <div className="notice notice-warning" role="status" data-testid="build-registry-missing">
          <strong>{localRegistry ? `${tag.split('/')[0]} is not the local registry` : 'The local registry is not running'}</strong>
          <p>
            {localRegistry
              ? `Your local registry runs at ${localRegistry}. Keep this name only if another registry answers at ${tag.split('/')[0]}.`
              : `Start it first: the build pushes its result to a registry, and nothing is known to answer at ${tag.split('/')[0]}.`}
          </p>
          <div className="notice-actions">
            <button type="button" className="button" onClick={() => navigate('registry')}>
              Go to Registry
            </button>
          </div>
        </div>
      ) : null}

      {pendingWarnings ? (
        <div className="notice notice-warning" role="alert" data-testid="build-warnings">
          <strong>Before building: the Dockerfile has {pendingWarnings.length === 1 ? 'a problem' : `${pendingWarnings.length} problems`} worth fixing</strong>
          <ul className="warning-list">
            {pendingWarnings.map((w) => (
              <li key={`${w.line}-${w.code}`}>
                <span className="badge">line {w.line}</span> {w.message} <span className="notice-hint">{w.hint}</span>
              </li>
            ))}
          </ul>
          <div className="notice-actions button-row">
            <button type="button" className="button" onClick={() => build_(true)}>
              Build anyway
            </button>
            <button type="button" className="button" onClick={dismissWarnings}>
              Not now
            </button>
          </div>
        </div>
      ) : null}

      {context && draft.platforms.length > 0 && !tagProblem && !cache.problem ? (
        <details className="disclosure">
          <summary>The same with docker</summary>
          <div className="commands">
            {previewCommands({
              mode: draft.mode,
              platforms: draft.platforms,
              tag: tag.trim(),
              context,
              builder: builderName,
              ...(draft.source === 'folder' && draft.dockerfile.trim() ? { dockerfile: draft.dockerfile.trim() } : {}),
              noCache: draft.noCache,
              plainHttp: plainHttpCheck?.plainHttp,
              ...(cache.plan ? { cache: cache.plan.options, cachePlainHttp: cachePlainHttpCheck?.plainHttp } : {}),
            }).map((args, i) => (
              <CommandLine key={i} args={args} />
            ))}
          </div>
        </details>
      ) : null}

      <div className="form-actions build-actions">
        <button type="button" className="button primary" onClick={() => build_(false)} disabled={!canBuild} aria-describedby={problems.length ? 'build-problems' : undefined}>
          {running ? <Hammer aria-hidden="true" size={14} className="spin-slow" /> : <Play aria-hidden="true" size={14} />}
          {running ? 'Building…' : 'Build'}
        </button>
        <button type="button" className="button" onClick={() => void cancelBuild()} disabled={!running || cancelling} aria-busy={cancelling}>
          <CircleStop aria-hidden="true" size={14} />
          {cancelling ? 'Cancelling…' : 'Cancel'}
        </button>
        {problems.length && !running ? (
          <span id="build-problems" className="small muted">
            {problems.join(' ')}
          </span>
        ) : null}
        {sampleIsStale(build) ? <span className="small muted">The sample on disk still uses {build.sample?.base}.</span> : null}
      </div>
    </Card>
  );
}
