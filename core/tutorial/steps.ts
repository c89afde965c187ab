/**
 * The guided path Doctor → Registry → Builder → Build → Runs, as data: the renderer draws it as a
 * checklist and the CLI prints it. The explanations are this project's own words.
 */
import { registryAddress } from '../commands/registry.js';
import type { TutorialExplanation, TutorialStep, TutorialSteps } from '../contract/build.js';
import { SettingsSchema } from '../contract/settings.js';
import { TOUR_PLATFORMS, tourTag } from './progress.js';

const platform: TutorialExplanation = {
  title: 'What is a platform?',
  body:
    'A platform is the kind of machine an image is made for, written os/architecture[/variant]: linux/amd64 for most PCs and cloud servers, ' +
    'linux/arm64 for Apple silicon, AWS Graviton and recent Raspberry Pis, linux/arm/v7 for older 32-bit ARM boards. A program compiled for one ' +
    'architecture cannot run on another without translation, so each platform needs its own image.',
};

const amd64: TutorialExplanation = {
  title: 'Why is it called amd64?',
  body:
    'Intel\'s x86 processors were 32-bit. AMD designed the 64-bit extension of x86 (first shipped in the Opteron and Athlon 64 in 2003), and ' +
    'Intel later adopted it. Debian, Go and Docker name the architecture after its designer: amd64, even on Intel chips. The kernel calls it x86_64, ' +
    'which is what uname -m prints.',
};

const emulation: TutorialExplanation = {
  title: 'How can one machine build for another?',
  body:
    'Most build steps only copy files, and those work for any platform. Steps that run programs (RUN) need the target\'s processor: the kernel\'s ' +
    'binfmt_misc hands foreign binaries to QEMU, which translates their instructions. It works, but it is slower; the build timeline shows how much.',
};

const manifest: TutorialExplanation = {
  title: 'What is a manifest?',
  body:
    'A registry stores an image as a manifest: a small JSON document that lists the image\'s configuration (what to run, environment, platform) ' +
    'and its layers (compressed file system changes), each by the digest of its content. The manifest\'s own digest names that exact image.',
};

const manifestList: TutorialExplanation = {
  title: 'What is a manifest list?',
  body:
    'A manifest list (an "index" in OCI terms) is a JSON document that points at one manifest per platform. When you pull or run a tag that ' +
    'names a list, the engine picks the entry for its own platform, so one name serves every kind of machine.',
};

const registry: TutorialExplanation = {
  title: 'Why is a registry needed?',
  body:
    'The classic Docker image store keeps one platform per tag: building linux/arm64 and then linux/amd64 under the same name replaces the first. ' +
    'A registry stores the manifest list with every platform side by side, and it is where buildx pushes multi-platform results. A local registry ' +
    'on your machine gives you that without an account anywhere. (Docker\'s newer containerd image store can keep several platforms too, but the ' +
    'registry is still how other machines get them.)',
};

const builder: TutorialExplanation = {
  title: 'What is a builder?',
  body:
    'buildx sends builds to a builder: a BuildKit instance. The default one lives inside the Docker Engine; a docker-container builder runs ' +
    'BuildKit in its own container. Giving it the host\'s network lets it reach a registry on localhost, which a container normally cannot.',
};

const twoWays: TutorialExplanation = {
  title: 'The old-school way and the modern way',
  body:
    'Old-school: one build per platform, each tagged and pushed on its own, then "docker manifest create" joins them into a list that is pushed ' +
    'last. Modern: one "docker buildx build --platform a,b,c --push" builds every platform and pushes the list in one go. Both end with the same ' +
    'kind of list in the registry.',
};

const heredoc: TutorialExplanation = {
  title: 'Heredocs in a Dockerfile',
  body:
    'COPY <<-"SCRIPT" /hello.sh writes the lines that follow, up to a line holding SCRIPT, into /hello.sh. With "<<-" the leading TABs of each ' +
    'line are removed, spaces are not: indent with TABs or not at all. The quotes around SCRIPT keep $(...) as written instead of expanding it.',
};

/** The steps, with the registry on `port` (the settings' port): every address and tag they show follows it. */
export function tutorialStepsFor(port: number): TutorialStep[] {
  const address = registryAddress(port);
  // the tour's default tag: the one the build step's goal names (the run view suggests the same)
  const image = tourTag(address);
  return [
    {
      id: 'doctor',
      title: 'Check the machine',
      goal: 'Make sure Docker answers, buildx is installed and other platforms can run here.',
      actions: ['Open the Doctor and read each check.', 'Fix anything marked missing: the Doctor says how.'],
      explanations: [platform, amd64, emulation],
      command: ['multiarch-lab', 'doctor'],
      doneWhen: 'The engine, buildx and emulation checks are ok.',
    },
    {
      id: 'registry',
      title: 'Start a local registry',
      goal: 'Have a place that keeps every platform of an image under one name.',
      actions: [`Start the registry container (registry:2 on port ${port}, data in a named volume).`, 'Check that it answers.'],
      explanations: [registry, manifest, manifestList],
      command: ['multiarch-lab', 'registry', 'up'],
      doneWhen: `The registry container runs and answers at ${address}.`,
    },
    {
      id: 'builder',
      title: 'Pick a builder',
      goal: 'Choose the BuildKit that builds: the engine\'s own, or a host-networked one that can push to localhost.',
      actions: [
        'With the containerd image store, the engine\'s default builder can build every platform at once.',
        'Otherwise create the host-networked builder and use it.',
      ],
      explanations: [builder],
      command: ['multiarch-lab', 'builder', 'create'],
      doneWhen: 'The builder lists the platforms you want to build.',
    },
    {
      id: 'build',
      title: 'Build and push the sample',
      goal: 'Build the sample for linux/amd64, linux/arm64 and linux/arm/v7 and push one manifest list.',
      actions: [
        'Create the sample project (or pick a folder with your own Dockerfile).',
        'Build it the old-school way, then the modern way, and compare the timelines.',
        'Look inside the pushed manifest list: one entry per platform.',
      ],
      explanations: [twoWays, heredoc, manifestList],
      command: ['multiarch-lab', 'build', 'hello-multiarch', '--platform', TOUR_PLATFORMS.join(','), '--tag', image],
      doneWhen: `The registry serves the tag this tour built (${image} by default) as one index of linux/amd64, linux/arm64 and linux/arm/v7.`,
    },
    {
      id: 'runs',
      title: 'Run every platform',
      goal: 'Run each platform of the image and see what uname -m says in each.',
      actions: ['Run the image once per platform.', 'Compare: x86_64, aarch64, armv7l.'],
      explanations: [emulation, amd64],
      command: ['multiarch-lab', 'run', image],
      doneWhen: 'A run of that exact image (its digest) printed the expected machine name on every platform.',
    },
  ];
}

const DEFAULT_PORT = SettingsSchema.parse({}).registry.port;
export const tutorialSteps: TutorialStep[] = tutorialStepsFor(DEFAULT_PORT);

export const glossary: TutorialExplanation[] = [platform, amd64, manifest, manifestList, registry, builder, emulation, heredoc, twoWays];

/** What makes the printed commands runnable here: how to call the CLI, the sample's folder, the registry's port. */
export interface TutorialCommandContext {
  /** The registry's published port (the settings' port); the default port when absent. */
  port?: number;
  /** e.g. ['multiarch-lab'], or ['node', '/abs/dist/cli/index.js'] where the command is not on PATH. */
  cli?: string[];
  /** The absolute folder the sample is written to. */
  sampleDir?: string;
}

/** The step list; with a context its commands are complete (CLI form, absolute folder, real registry address) and runnable as printed. */
export function getTutorialSteps(context: TutorialCommandContext = {}): TutorialSteps {
  const copy = structuredClone({ steps: tutorialStepsFor(context.port ?? DEFAULT_PORT), glossary });
  const { cli, sampleDir } = context;
  for (const step of copy.steps) {
    if (sampleDir && step.id === 'build') step.command[2] = sampleDir;
    if (cli) step.command = [...cli, ...step.command.slice(1)];
  }
  return copy;
}
