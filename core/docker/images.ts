/**
 * The one image pull: through the engine API, with per-layer byte progress, cancellable, and failing
 * with the engine's own words plus what to do (offline, unknown image). Every domain that needs an image
 * (the registry, run matrices, the emulator installer) pulls through here.
 */
import type Docker from 'dockerode';
import { AppError } from '../contract/errors.js';
import type { TaskHandle } from '../tasks.js';
import { engineFailure, engineMessage, isEngineConnectionError, statusCodeOf } from './errors.js';
import type { EngineAccess } from './engine.js';

/** One layer's bytes: `total` undefined means the layer is finished (downloaded, or already there). */
export type LayerProgress = (layer: string, current: number, total: number | undefined) => void;

export interface PullOptions {
  /** `os/arch[/variant]`: which variant of a multi-platform image to pull. */
  platform?: string;
  signal?: AbortSignal;
  onLayer?: LayerProgress;
}

interface PullEvent {
  id?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  progressDetail?: { current?: number; total?: number };
}

/** `docker pull [--platform P] IMAGE`, the command a pull stands for. */
export function pullCommand(image: string, platform?: string): string[] {
  return ['docker', 'pull', ...(platform ? ['--platform', platform] : []), image];
}

/** A failed pull in words people can act on; engine connection errors pass through for the caller to judge. */
export function pullFailed(image: string, error: unknown): unknown {
  if (error instanceof AppError || isEngineConnectionError(error)) return error;
  const why = engineMessage(error);
  const offline = /no such host|dial tcp|i\/o timeout|network is unreachable|connection refused|TLS handshake timeout|context deadline exceeded|lookup /i.test(why);
  const missing = /not found|manifest unknown|does not exist|pull access denied/i.test(why);
  const hint = offline
    ? `This machine cannot reach the registry that holds ${image}. Check the network connection (and any proxy Docker uses), then try again; or, on a machine that has it, run \`docker save -o image.tar ${image}\` and load it here with \`docker load -i image.tar\`.`
    : missing
      ? `Check the image name and tag (${image}), or load the image from a file with docker load -i FILE.tar.`
      : `Try \`docker pull ${image}\` yourself to see more, or load the image from a file with docker load -i FILE.tar.`;
  return new AppError('pull-failed', `Could not pull the image ${image}: ${why}`, { hint, details: { image } });
}

/** Pulls the image (the variant for `platform` when given); resolves once the engine has it. */
export async function pullImage(docker: Docker, image: string, options: PullOptions = {}): Promise<void> {
  const { signal, onLayer } = options;
  const cancelled = () => new AppError('cancelled', `Pulling ${image} was cancelled.`);
  if (signal?.aborted) throw cancelled();
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await docker.pull(image, { ...(options.platform ? { platform: options.platform } : {}), ...(signal ? { abortSignal: signal } : {}) })) as NodeJS.ReadableStream;
  } catch (error) {
    if (signal?.aborted) throw cancelled();
    throw pullFailed(image, error);
  }
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      (stream as unknown as { destroy?: () => void }).destroy?.();
      reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: PullEvent[]) => {
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) return;
        // the engine reports a failed pull inside the stream, not as an HTTP error
        const failed = output?.find((e) => e.error || e.errorDetail?.message);
        if (error) reject(pullFailed(image, error));
        else if (failed) reject(pullFailed(image, new Error(failed.errorDetail?.message ?? failed.error ?? 'the pull failed')));
        else resolve();
      },
      (event: PullEvent) => {
        if (!event.id || !onLayer) return;
        const detail = event.progressDetail ?? {};
        const status = event.status ?? '';
        if (/download/i.test(status) && typeof detail.total === 'number' && detail.total > 0) onLayer(event.id, detail.current ?? 0, detail.total);
        else if (/download complete|pull complete|already exists/i.test(status)) onLayer(event.id, 0, undefined);
      },
    );
  });
}

/** Sums layer bytes into the task's progress, at most every 150 ms (and once more at the end). */
export function taskLayerProgress(task: Pick<TaskHandle, 'progress'>, message: () => string): { onLayer: LayerProgress; flush(): void } {
  const layers = new Map<string, { current: number; total: number }>();
  let last = 0;
  const report = (force: boolean) => {
    const now = Date.now();
    if (!force && now - last < 150) return;
    last = now;
    let current = 0;
    let total = 0;
    for (const l of layers.values()) {
      current += Math.min(l.current, l.total);
      total += l.total;
    }
    task.progress({ current, ...(total > 0 ? { total } : {}), unit: 'bytes', message: message() });
  };
  return {
    onLayer: (layer, current, total) => {
      const known = layers.get(layer);
      const size = total ?? known?.total;
      if (size === undefined) return;
      layers.set(layer, { current: total === undefined ? size : Math.min(current, size), total: size });
      report(total === undefined);
    },
    flush: () => report(true),
  };
}

/** Is the image in the engine already? Other failures than "no such image" are the engine's. */
export async function imagePresent(engine: Pick<EngineAccess, 'invalidate'>, docker: Docker, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch (error) {
    if (statusCodeOf(error) === 404) return false;
    throw engineFailure(engine, error, `look for the image ${image}`, ['docker', 'image', 'inspect', image]);
  }
}

/** Makes sure the image is there, pulling it when missing; true when it had to be pulled. */
export async function ensureImage(engine: Pick<EngineAccess, 'invalidate'>, docker: Docker, image: string, options: PullOptions = {}): Promise<boolean> {
  if (await imagePresent(engine, docker, image)) return false;
  try {
    await pullImage(docker, image, options);
  } catch (error) {
    throw engineFailure(engine, error, `pull ${image}`, pullCommand(image, options.platform));
  }
  return true;
}
