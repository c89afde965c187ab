/**
 * `registry:verify`: every platform of an image judged from its own files, without pulling or running it.
 * The index and each platform's manifest and config are fetched; every distinct layer is streamed from the
 * registry once (platforms that share a layer by digest share the reading); each platform's layers are
 * applied in order; then the entrypoint is resolved and the programs on the usual paths are checked
 * against the machine the platform needs, and, when asked, whether this machine can start that platform.
 * The one exception to reading once: layers of other digests that match on names, sizes, modes and each file's
 * first and last bytes but not on times are read a second time, every byte hashed, before the compare may say
 * they differ only in file times (the report counts them in `read.reread`).
 */
import os from 'node:os';
import { AppError, serializeError } from '../contract/errors.js';
import type { CheckedFile, PlatformVerification, Verdict, VerifyFinding, VerifyReport } from '../contract/verify.js';
import type { PlatformInfo } from '../contract/registry.js';
import { readBinfmtState } from '../doctor/host-probes.js';
import { classifyPlatforms } from '../doctor/platforms.js';
import { directClient, type RegistryClient, type RegistryClientFactory } from '../registry/client.js';
import {
  ATTESTATION_TYPE_ANNOTATION,
  classifyIndexEntry,
  isIndexMediaType,
  mapLimit,
  parseManifestDocument,
  summarizeConfig,
  type IndexEntry,
} from '../registry/manifest.js';
import { formatPlatform, parsePlatform, platformMatches } from '../platform.js';
import { parseImageReference, type ImageRef } from '../registry/reference.js';
import { comparePlatforms, timeOnlyCandidates } from './compare.js';
import { describeMachine, expectedMachineFor, machineMismatch, platformOfElf } from './elf.js';
import { analyzeEntrypoint, checkedFile, commandOf, pathOf, type ImageRunConfig } from './entrypoint.js';
import { LayerFs } from './layer-fs.js';
import { scanLayer, USUAL_EXEC_DIRS, type LayerSummary } from './layer-scan.js';

export interface VerifyOptions {
  platforms?: readonly string[];
  /** Judge whether this machine can start each platform (binfmt_misc). Default true. */
  hostCheck?: boolean;
  /** Layers streamed at once. Default 3 (what docker pull uses). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Where binfmt_misc is read (tests). */
  binfmtDir?: string;
  /** The machine the host check is about; default this process's (`os.machine()`). */
  hostArch?: string;
}

interface Target {
  platform: string;
  platformInfo?: PlatformInfo;
  digest: string;
  mediaType: string;
  size: number;
  attestations: Array<{ digest: string; type?: string }>;
}

interface Loaded extends Target {
  layers: Array<{ digest: string; size: number; mediaType: string }>;
  config?: ImageRunConfig & { architecture: string; os: string; variant?: string | undefined };
  error?: unknown;
}

const SEVERITY: Verdict[] = ['ok', 'unknown', 'will-not-start', 'mismatch'];
const MISMATCH_LIST_LIMIT = 200;
const FILE_FINDINGS_LIMIT = 5;

function worst(verdicts: Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((w, v) => (SEVERITY.indexOf(v) > SEVERITY.indexOf(w) ? v : w), 'ok');
}

/** The paths a config's argv[0] may resolve to, so the scan keeps their first bytes whatever their mode. */
function entrypointCandidates(config: ImageRunConfig): string[] {
  const name = commandOf(config)[0];
  if (!name) return [];
  if (name.includes('/')) return [name.startsWith('/') ? name : `${config.workingDir || '/'}/${name}`.replace(/\/+/g, '/')];
  return pathOf(config.env)
    .split(':')
    .filter((d) => d.startsWith('/'))
    .map((d) => `${d.replace(/\/$/, '')}/${name}`);
}

function configOf(json: unknown): Loaded['config'] {
  const s = summarizeConfig(json);
  return { entrypoint: s.entrypoint, cmd: s.cmd, env: s.env, workingDir: s.workingDir, architecture: s.architecture, os: s.os, variant: s.variant };
}

async function loadTargets(client: RegistryClient, ref: ImageRef, wanted: PlatformInfo[], signal?: AbortSignal): Promise<{ digest: string; mediaType: string; targets: Target[]; skipped: PlatformVerification[] }> {
  const root = await client.getManifest(ref.repository, ref.reference);
  if (!isIndexMediaType(root.mediaType)) {
    return { digest: root.digest, mediaType: root.mediaType, targets: [{ platform: '', digest: root.digest, mediaType: root.mediaType, size: root.size, attestations: [] }], skipped: [] };
  }
  const parsed = parseManifestDocument(root.mediaType, root.json, `index ${root.digest}`);
  if (parsed.kind !== 'index') throw new AppError('internal', 'An index parsed as a manifest.');
  const platformEntries: IndexEntry[] = [];
  const attestations = new Map<string, Array<{ digest: string; type?: string }>>();
  for (const entry of parsed.manifests) {
    const role = classifyIndexEntry(entry);
    if (role.role === 'attestation') {
      const list = attestations.get(role.attests ?? '') ?? [];
      const type = entry.annotations?.[ATTESTATION_TYPE_ANNOTATION];
      list.push({ digest: entry.digest, ...(type ? { type } : {}) });
      attestations.set(role.attests ?? '', list);
    } else platformEntries.push(entry);
  }
  const skipped: PlatformVerification[] = [];
  const targets: Target[] = [];
  for (const entry of platformEntries) {
    const label = entry.platform ? formatPlatform(entry.platform) : 'unknown platform';
    if (wanted.length && !(entry.platform && wanted.some((w) => platformMatches(entry.platform!, w)))) continue;
    const target: Target = { platform: label, digest: entry.digest, mediaType: entry.mediaType, size: entry.size, attestations: attestations.get(entry.digest) ?? [] };
    if (entry.platform) target.platformInfo = entry.platform;
    if (isIndexMediaType(entry.mediaType)) {
      skipped.push(emptyVerification(target, 'unknown', `${label} points at another index (${entry.digest}); nested indexes are not checked.`, 'Verify that index by its digest.'));
      continue;
    }
    targets.push(target);
  }
  if (targets.length === 0 && skipped.length === 0) {
    const available = platformEntries.map((e) => (e.platform ? formatPlatform(e.platform) : 'unknown'));
    throw new AppError('not-found', `${ref.original} has no ${wanted.map(formatPlatform).join(' or ')} image.`, {
      hint: available.length ? `It has: ${available.join(', ')}.` : 'The index lists no platforms.',
      details: { available },
    });
  }
  signal?.throwIfAborted();
  return { digest: root.digest, mediaType: root.mediaType, targets, skipped };
}

function emptyVerification(target: Target, verdict: Verdict, message: string, fix?: string): PlatformVerification {
  return {
    platform: target.platform,
    digest: target.digest,
    verdict,
    summary: `${verdict}: ${message}`,
    findings: [{ kind: verdict, message, ...(fix ? { fix } : {}) }],
    files: { checked: 0, mismatched: [], sample: [] },
    layers: [],
    attestations: target.attestations,
  };
}

async function loadManifest(client: RegistryClient, repository: string, target: Target): Promise<Loaded> {
  try {
    const fetched = await client.getManifest(repository, target.digest);
    const parsed = parseManifestDocument(fetched.mediaType, fetched.json, `manifest ${target.digest}`);
    if (parsed.kind !== 'manifest') throw new AppError('unsupported', `${target.digest} is an index where an image manifest was expected.`);
    const config = await client.getBlobJson(repository, parsed.config.digest);
    const loaded: Loaded = { ...target, layers: parsed.layers.map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType })), config: configOf(config.json) };
    if (!target.platformInfo) {
      // a single image, or an index entry without a platform: the config says what it is
      const c = loaded.config!;
      loaded.platform = formatPlatform({ os: c.os, architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}) });
      loaded.platformInfo = { os: c.os, architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}) };
    }
    return loaded;
  } catch (error) {
    if (error instanceof AppError && error.code === 'cancelled') throw error;
    return { ...target, layers: [], error };
  }
}

/** Checks one platform against its applied filesystem. */
function judgePlatform(target: Loaded, fs: LayerFs, summaries: LayerSummary[], host: PlatformVerification['host'] | undefined): PlatformVerification {
  const config = target.config!;
  const info = target.platformInfo ?? parsePlatform(target.platform);
  if (info.os !== 'linux') {
    const v = emptyVerification(target, 'unknown', `${target.platform} is not a Linux image; Multiarch Lab checks Linux (ELF) programs only.`);
    if (host) v.host = host;
    return v;
  }
  const expected = expectedMachineFor(info);
  const findings: VerifyFinding[] = [];

  const configPlatform = formatPlatform({ os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) });
  if (config.architecture !== info.architecture || config.os !== info.os) {
    findings.push({
      kind: 'mismatch',
      message: `The index lists this entry as ${target.platform}, but its image config says ${configPlatform}.`,
      fix: `Push the ${target.platform} image under this entry (rebuild with --platform ${target.platform}), or list this image as ${configPlatform}.`,
      machine: configPlatform,
      expected: target.platform,
    });
  }
  if (!expected) {
    findings.push({ kind: 'unknown', message: `Multiarch Lab has no rule for which machine ${target.platform} programs are built for, so their machines are listed but not judged.` });
  }

  const analysis = analyzeEntrypoint(fs, config, target.platform, expected);
  findings.push(...analysis.findings);
  const inChain = new Set(analysis.resolution.chain.flatMap((c) => [c.path, c.resolvedPath ?? c.path]));

  // programs on the usual paths (directories resolved, since /bin is often a link to /usr/bin)
  const dirs = [...new Set(USUAL_EXEC_DIRS.map((d) => fs.resolve(d).path))];
  const seen = new Set<string>();
  const mismatched: CheckedFile[] = [];
  const sample: CheckedFile[] = [];
  let checked = 0;
  for (const entry of fs.filesIn(dirs)) {
    if (seen.has(entry.path) || entry.content?.kind !== 'elf') continue;
    seen.add(entry.path);
    checked++;
    const wrong = expected ? machineMismatch(entry.content.elf, expected) : undefined;
    const file = checkedFile(entry.path, entry, entry.path, !wrong);
    if (wrong) {
      if (mismatched.length < MISMATCH_LIST_LIMIT) mismatched.push(file);
    } else if (sample.length < 5) sample.push(file);
  }
  checked += analysis.resolution.chain.filter((c) => c.content.kind === 'elf' && !seen.has(c.resolvedPath ?? c.path)).length;
  const extra = mismatched.filter((m) => !inChain.has(m.path));
  extra.slice(0, FILE_FINDINGS_LIMIT).forEach((m) => {
    const elf = m.content.kind === 'elf' ? m.content.elf : undefined;
    const builtFor = elf ? platformOfElf(elf) : undefined;
    findings.push({
      kind: 'mismatch',
      path: m.path,
      ...(elf ? { machine: describeMachine(elf) } : {}),
      expected: target.platform,
      message: `${m.path} is built for ${elf ? describeMachine(elf) : 'another machine'}, but this entry is ${target.platform}.`,
      fix: `Copy ${m.path} from a ${target.platform} build (FROM --platform=$TARGETPLATFORM, or cross-compile for it)${builtFor ? `; as it stands it belongs under ${builtFor}` : ''}.`,
    });
  });
  if (extra.length > FILE_FINDINGS_LIMIT) {
    findings.push({ kind: 'mismatch', message: `${extra.length - FILE_FINDINGS_LIMIT} more programs on the usual paths are built for another machine (listed in files.mismatched).`, expected: target.platform });
  }

  if (host && host.support === 'unavailable') {
    findings.push({
      kind: 'will-not-start',
      message: `This machine cannot start ${target.platform} containers: ${host.via}. The engine would fail with "exec format error".`,
      fix: `Register an emulator for it (apt-get install qemu-user-static binfmt-support, or docker run --privileged --rm tonistiigi/binfmt --install ${info.architecture}), or run it on a ${target.platform} machine.`,
    });
  }

  const verdict = worst(findings.map((f) => f.kind));
  const lead = findings.find((f) => f.kind === verdict);
  const entry = analysis.resolution.resolvedPath ?? analysis.resolution.path;
  const lastElf = [...analysis.resolution.chain].reverse().find((c) => c.content.kind === 'elf' && c.ok);
  const summary =
    verdict === 'ok'
      ? `ok: the entrypoint ${analysis.resolution.path}${entry && entry !== analysis.resolution.path ? ` (→ ${entry})` : ''} runs as ${lastElf?.summary ?? 'a program for this platform'}; ${checked} ${checked === 1 ? 'program' : 'programs'} checked.`
      : `${verdict}: ${lead!.message}${lead!.fix ? ` Fix: ${lead!.fix}` : ''}`;

  const result: PlatformVerification = {
    platform: target.platform,
    digest: target.digest,
    verdict,
    summary,
    findings,
    entrypoint: analysis.resolution,
    files: { checked, mismatched, sample },
    layers: target.layers.map((l, i) => ({ digest: l.digest, size: l.size, uncompressedSize: summaries[i]!.uncompressedSize, compression: summaries[i]!.compression })),
    attestations: target.attestations,
  };
  if (host) result.host = host;
  return result;
}

export async function verifyImage(client: RegistryClient, reference: string | ImageRef, options: VerifyOptions = {}): Promise<VerifyReport> {
  const started = Date.now();
  const ref = typeof reference === 'string' ? parseImageReference(reference) : reference;
  const wanted = (options.platforms ?? []).map(parsePlatform);
  const { digest, mediaType, targets, skipped } = await loadTargets(client, ref, wanted, options.signal);
  const loaded = await mapLimit(targets, 4, (t) => loadManifest(client, ref.repository, t));
  if (!isIndexMediaType(mediaType) && wanted.length) {
    const only = loaded[0]!;
    if (only.platformInfo && !wanted.some((w) => platformMatches(only.platformInfo!, w))) {
      throw new AppError('not-found', `${ref.original} is a single-platform image for ${only.platform}, not ${wanted.map(formatPlatform).join(' or ')}.`, {
        hint: 'Verify it without --platform, or build and push the platform you need.',
      });
    }
  }

  // every distinct layer once, whichever platforms hold it
  const alsoCapture = new Set(loaded.flatMap((t) => (t.config ? entrypointCandidates(t.config) : [])));
  const scans = new Map<string, Promise<LayerSummary>>();
  const queue: string[] = [];
  for (const t of loaded) for (const l of t.layers) if (!scans.has(l.digest) && !queue.includes(l.digest)) queue.push(l.digest);
  const concurrency = Math.max(1, options.concurrency ?? 3);
  let running = 0;
  const waiting: Array<() => void> = [];
  const slot = async () => {
    if (running < concurrency) {
      running++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
  };
  const release = () => {
    running--;
    waiting.shift()?.();
  };
  for (const layerDigest of queue) {
    const p = (async () => {
      await slot();
      try {
        options.signal?.throwIfAborted();
        const blob = await client.openBlobStream(ref.repository, layerDigest);
        return await scanLayer(blob.body, { digest: layerDigest, alsoCapture, ...(options.signal ? { signal: options.signal } : {}) });
      } finally {
        release();
      }
    })();
    p.catch(() => undefined); // awaited below, per platform
    scans.set(layerDigest, p);
  }

  let hostSource = 'skipped';
  let hostOf: (platform: string) => PlatformVerification['host'] | undefined = () => undefined;
  if (options.hostCheck !== false) {
    const binfmt = await readBinfmtState(options.binfmtDir).catch(() => null);
    const arch = options.hostArch ?? os.machine();
    const labels = loaded.map((t) => t.platform);
    const outcome = classifyPlatforms({ engineArch: arch, binfmt }, labels);
    hostSource = `${outcome.source === 'binfmt_misc' ? 'binfmt_misc' : 'no emulation information'} on this machine (${arch})`;
    hostOf = (platform) => {
      const s = outcome.platforms.find((p) => p.platform === platform);
      return s ? { support: s.support === 'native' ? 'native' : s.support === 'emulated' ? 'emulated' : 'unavailable', via: s.via ?? '' } : undefined;
    };
  }

  const results: PlatformVerification[] = [];
  const compared: Array<{ platform: string; layers: LayerSummary[]; fs: LayerFs }> = [];
  for (const t of loaded) {
    if (t.error !== undefined || !t.config) {
      const err = serializeError(t.error);
      const v = emptyVerification(t, 'unknown', `Its manifest or config could not be read: ${err.message}`, err.hint);
      v.error = err;
      results.push(v);
      continue;
    }
    const summaries: LayerSummary[] = [];
    let failed: { digest: string; error: unknown } | undefined;
    for (const l of t.layers) {
      try {
        summaries.push(await scans.get(l.digest)!);
      } catch (error) {
        if (error instanceof AppError && error.code === 'cancelled') throw error;
        if (options.signal?.aborted) throw new AppError('cancelled', `Verifying ${ref.original} was cancelled.`);
        failed = { digest: l.digest, error };
        break;
      }
    }
    if (failed) {
      const err = serializeError(failed.error);
      const foreign = t.layers.find((l) => l.digest === failed.digest)?.mediaType.includes('foreign');
      const v = emptyVerification(
        t,
        'unknown',
        `Layer ${failed.digest} could not be read${foreign ? ' (a foreign layer, which registries usually do not hold)' : ''}: ${err.message}`,
        err.hint,
      );
      v.error = err;
      v.layers = t.layers.map((l) => ({ digest: l.digest, size: l.size, ...(l.digest === failed.digest ? { error: err } : {}) }));
      results.push(v);
      continue;
    }
    const fs = new LayerFs();
    for (const s of summaries) fs.apply(s.entries);
    results.push(judgePlatform(t, fs, summaries, hostOf(t.platform)));
    compared.push({ platform: t.platform, layers: summaries, fs });
  }
  results.push(...skipped);

  // layers that match another on everything the sample holds, with other times: read once more, every byte hashed,
  // to tell "differ only in file times" from "differ somewhere the sample did not look"
  const candidates = timeOnlyCandidates(compared);
  const reread = await mapLimit(candidates, concurrency, async (layer): Promise<number | undefined> => {
    try {
      options.signal?.throwIfAborted();
      const blob = await client.openBlobStream(ref.repository, layer.digest);
      const full = await scanLayer(blob.body, { digest: layer.digest, fullContent: true, ...(options.signal ? { signal: options.signal } : {}) });
      if (full.sampleKey === layer.sampleKey && full.contentKey !== undefined) layer.contentKey = full.contentKey;
      return full.compressedSize;
    } catch {
      if (options.signal?.aborted) throw new AppError('cancelled', `Verifying ${ref.original} was cancelled.`);
      // without the full fingerprint the layer is left out of the time-only check: nothing unconfirmed is reported
      return undefined;
    }
  });

  const readLayers = await Promise.all([...scans.values()].map((p) => p.catch(() => undefined)));
  const read = readLayers.filter((l): l is LayerSummary => l !== undefined);
  const rereadLayers = reread.filter((n): n is number => n !== undefined);
  return {
    reference: ref.original,
    digest,
    mediaType,
    verdict: worst(results.map((r) => r.verdict)),
    platforms: results,
    compare: comparePlatforms(compared),
    read: {
      layers: read.length,
      compressedBytes: read.reduce((s, l) => s + l.compressedSize, 0),
      uncompressedBytes: read.reduce((s, l) => s + l.uncompressedSize, 0),
      ...(rereadLayers.length ? { reread: { layers: rereadLayers.length, compressedBytes: rereadLayers.reduce((s, n) => s + n, 0) } } : {}),
      ms: Date.now() - started,
    },
    hostSource,
  };
}

/**
 * The `registry:verify` handler: a client for the reference's own registry, then the checks. The client comes
 * from the app's factory so verify picks HTTP or HTTPS from the same plain-HTTP list as every other call (issue 16).
 */
export async function verifyReference(
  input: { reference: string; platforms?: string[] | undefined; insecure?: boolean | undefined; hostCheck?: boolean | undefined },
  signal?: AbortSignal,
  makeClient: RegistryClientFactory = directClient,
): Promise<VerifyReport> {
  const ref = parseImageReference(input.reference);
  const client = await makeClient(ref.registry, { ...(input.insecure !== undefined ? { insecure: input.insecure } : {}), ...(signal ? { signal } : {}) });
  return verifyImage(client, ref, {
    ...(input.platforms ? { platforms: input.platforms } : {}),
    ...(input.hostCheck !== undefined ? { hostCheck: input.hostCheck } : {}),
    ...(signal ? { signal } : {}),
  });
}
