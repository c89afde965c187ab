/** The `build:*` and `tutorial:*` channel handlers, spread into the core's handler map. */
import type { buildChannels } from '../contract/build.js';
import type { Handlers } from '../dispatch.js';
import { initTutorial } from '../tutorial/init.js';
import { getTutorialSteps } from '../tutorial/steps.js';
import { checkProject } from './check.js';
import { BuildHistory } from './history.js';
import { runBuild, type BuildDeps } from './run-build.js';

export type BuildHandlers = Pick<Handlers, keyof typeof buildChannels>;

export function createBuildHandlers(deps: BuildDeps & { env?: NodeJS.ProcessEnv }): BuildHandlers {
  return {
    'build:run': async (input, ctx) => runBuild(deps, input, ctx.signal),
    'build:check': async (input) => checkProject(input),
    'build:history': async (input) => (deps.dataDir ? new BuildHistory(deps.dataDir).list(input.reference, input.limit) : []),
    'tutorial:init': async (input, ctx) => initTutorial(deps, input, ctx.signal),
    'tutorial:steps': async () => getTutorialSteps(),
  };
}
