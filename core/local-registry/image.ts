/**
 * The registry image: present already, or pulled with progress.
 */
import type Docker from 'dockerode';
import { AppError } from '../contract/errors.js';
import type { TaskProgress } from '../contract/tasks.js';
import { engineMessage, statusCodeOf } from '../docker/errors.js';
import type { TaskHandle } from '../tasks.js';
import { type RegistryLifecycleDeps, engineFailure } from './container.js';

export function pullFailed(image: string, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const why = engineMessage(error);
  const offline = /no such host|dial tcp|i\/o timeout|network is unreachable|connection refused|TLS handshake timeout|context deadline exceeded|lookup /i.test(why);
  const missing = /not found|manifest unknown|does not exist|pull access denied/i.test(why);
  const hint = offline
    ? `This machine cannot reach the registry that holds ${image}. Check the network connection (and any proxy Docker uses), then try again; or, on a machine that has it, run \`docker save -o registry.tar ${image}\` and load it here with \`docker load -i registry.tar\`.`
    : missing
      ? `Check the image name and tag (${image}), or load the image from a file with docker load -i FILE.tar.`
      : `Try \`docker pull ${image}\` yourself to see more, or load the image from a file with docker load -i FILE.tar.`;
  return new AppError('pull-failed', `Could not pull the image ${image}: ${why}`, { hint, details: { image } });
}

export interface LayerProgress {
  current: number;
  total: number;
}

/** Pulls the image, reporting the bytes of all layers together. */
export async function pullImage(docker: Docker, image: string, task: TaskHandle): Promise<void> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.pull(image, { abortSignal: task.signal });
  } catch (error) {
    if (task.signal.aborted) throw new AppError('cancelled', `Pulling ${image} was cancelled.`);
    throw pullFailed(image, error);
  }
  const layers = new Map<string, LayerProgress>();
  let lastReport = 0;
  const report = (force: boolean, message: string) => {
    const now = Date.now();
    if (!force && now - lastReport < 150) return;
    lastReport = now;
    let current = 0;
    let total = 0;
    for (const l of layers.values()) {
      current += Math.min(l.current, l.total || l.current);
      total += l.total;
    }
    const p: TaskProgress = { current, unit: 'bytes', message };
    if (total > 0) p.total = total;
    task.progress(p);
  };
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      (stream as unknown as { destroy?: () => void }).destroy?.();
      reject(new AppError('cancelled', `Pulling ${image} was cancelled.`));
    };
    task.signal.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (error) => {
        task.signal.removeEventListener('abort', onAbort);
        if (task.signal.aborted) return;
        if (error) reject(pullFailed(image, error));
        else {
          report(true, `Pulled ${image}`);
          resolve();
        }
      },
      (event: { id?: string; status?: string; progressDetail?: { current?: number; total?: number } }) => {
        const id = event.id;
        if (!id) return;
        const layer = layers.get(id) ?? { current: 0, total: 0 };
        const detail = event.progressDetail ?? {};
        if (/download/i.test(event.status ?? '') && typeof detail.total === 'number' && detail.total > 0) {
          layer.total = detail.total;
          layer.current = detail.current ?? layer.current;
        } else if (/download complete|pull complete|already exists|done/i.test(event.status ?? '')) {
          layer.current = layer.total;
        }
        layers.set(id, layer);
        report(false, `Pulling ${image}: ${event.status ?? ''}`.trim());
      },
    );
  });
}

/** Makes sure the image is present; returns true when it had to be pulled. */
export async function ensureImage(deps: RegistryLifecycleDeps, docker: Docker, image: string, task: TaskHandle): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return false;
  } catch (error) {
    if (statusCodeOf(error) !== 404) throw engineFailure(deps, error, `look for the image ${image}`, ['docker', 'image', 'inspect', image]);
  }
  await pullImage(docker, image, task);
  return true;
}
