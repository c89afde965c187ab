/**
 * Why the default builder (the `docker` driver) can or cannot build multi-platform images on this engine,
 * in plain words. Pure: it reads the engine facts that decide it.
 */
import type { DefaultDriverExplanation } from '../contract/builder.js';
import { CONTAINERD_SNAPSHOTTER, type EngineFacts } from '../docker/facts.js';
import { hostNetworkBuilderCommand } from '../commands/builder.js';

/** The engine facts that decide it (see core/docker/facts.ts). */
export type DefaultDriverFacts = Pick<EngineFacts, 'serverVersion' | 'storageDriver' | 'driverType' | 'imageStore'>;

export function explainDefaultDriver(facts: DefaultDriverFacts, builderName = 'mybuilder'): DefaultDriverExplanation {
  const type = facts.driverType;
  const containerd = facts.imageStore === 'containerd';
  const storage = facts.storageDriver;
  const out: DefaultDriverExplanation = {
    driver: 'docker',
    engineVersion: facts.serverVersion ?? 'unknown',
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
    command: hostNetworkBuilderCommand(builderName),
  };
  return out;
}
