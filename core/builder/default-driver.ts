/**
 * Why the default builder (the `docker` driver) can or cannot build multi-platform images on this engine,
 * in plain words. Pure: it reads the fields of `docker info` that decide it.
 */
import type { DefaultDriverExplanation } from '../contract/builder.js';
import { dockerCommand, createArgs } from './commands.js';

export interface EngineInfoFields {
  ServerVersion?: unknown;
  Driver?: unknown;
  DriverStatus?: unknown;
}

export const CONTAINERD_SNAPSHOTTER = 'io.containerd.snapshotter.v1';

/** DriverStatus is a list of [key, value] pairs; "driver-type" names the containerd snapshotter when it is in use. */
export function driverType(info: EngineInfoFields): string | undefined {
  if (!Array.isArray(info.DriverStatus)) return undefined;
  for (const pair of info.DriverStatus as unknown[]) {
    if (Array.isArray(pair) && pair[0] === 'driver-type' && typeof pair[1] === 'string') return pair[1];
  }
  return undefined;
}

export function explainDefaultDriver(info: EngineInfoFields, builderName = 'mybuilder'): DefaultDriverExplanation {
  const type = driverType(info);
  const containerd = type === CONTAINERD_SNAPSHOTTER;
  const storage = typeof info.Driver === 'string' ? info.Driver : undefined;
  const out: DefaultDriverExplanation = {
    driver: 'docker',
    engineVersion: typeof info.ServerVersion === 'string' ? info.ServerVersion : 'unknown',
    imageStore: containerd ? 'containerd' : 'graphdriver',
    containerdImageStore: containerd,
    multiPlatform: containerd,
    explanation: [
      'Every engine comes with a builder named after its context ("default"). It uses the docker driver: the BuildKit ' +
        "built into the engine, which writes what it builds straight into the engine's own image store. Nothing to " +
        'pull or start, and images are ready for docker run as soon as the build ends.',
    ],
  };
  if (type) out.driverType = type;
  if (storage) out.storageDriver = storage;

  if (containerd) {
    out.explanation.push(
      `This engine keeps its images in the containerd image store (driver-type ${CONTAINERD_SNAPSHOTTER}${storage ? `, snapshotter ${storage}` : ''}). ` +
        'That store can hold an image index: one name, one image per platform. So the default builder can build ' +
        '--platform linux/amd64,linux/arm64 in one go, keep the result locally and push it as a multi-platform image.',
      'Platforms the CPU cannot run natively are built under QEMU emulation, so the emulators must be installed ' +
        '(see the emulation list). A separate builder is still useful to pin platforms to native nodes, or to keep ' +
        "BuildKit's cache apart from the engine.",
    );
    return out;
  }

  out.explanation.push(
    `This engine keeps its images in the classic store of its storage driver${storage ? ` (${storage})` : ''}, where one ` +
      'name holds exactly one image for one platform. BuildKit could build several platforms, but the result would have ' +
      'nowhere to go, so the docker driver refuses multi-platform builds ("Multi-platform build is not supported for the docker driver").',
    'Two ways out: switch the engine to the containerd image store (Docker Desktop: Settings → General → "Use containerd ' +
      'for pulling and storing images"; Linux: {"features": {"containerd-snapshotter": true}} in /etc/docker/daemon.json, ' +
      'then restart dockerd; images already pulled must be pulled again), or create a builder that runs BuildKit in its ' +
      'own container (the docker-container driver). That builder builds every platform and pushes the result to a registry; ' +
      'on the host network it reaches a registry on localhost too.',
  );
  out.suggestion = {
    title: 'Create a host-networked builder',
    text:
      `A docker-container builder named "${builderName}" on the host network, made current: multi-platform builds then ` +
      'work, and pushing to a registry on localhost:5000 works from inside it.',
    command: [...dockerCommand(createArgs({ name: builderName, driver: 'docker-container', driverOpts: { network: 'host' } })), '--use'],
  };
  return out;
}
