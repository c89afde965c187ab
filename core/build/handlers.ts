/** The `build:*` and `tutorial:*` channel handlers, spread into the core's handler map. */
import type { buildChannels } from '../contract/build.js';
import type { Handlers } from '../dispatch.js';
import path from 'node:path';
import { cliInvocation } from '../cli-invocation.js';
import { initTutorial } from '../tutorial/init.js';
import { SAMPLE_DIR_NAME } from '../tutorial/sample.js';
import { getTutorialSteps } from '../tutorial/steps.js';
import { checkProject } from './check.js';
import { BuildHistory } from './history.js';
import { checkReadiness } from './readiness.js';
import { describeEngine } from '../doctor/doctor.js';
import { nativePlatformOf } from '../builder/node-platform.js';
import { runBuild, type BuildDeps } from './run-build.js';

export type BuildHandlers = Pick<Handlers, keyof typeof buildChannels>;

export function createBuildHandlers(deps: BuildDeps & { env?: NodeJS.ProcessEnv }): BuildHandlers {
  return {
    'build:run': async (input, ctx) => runBuild(deps, input, ctx.signal),
    'build:check': async (input) => checkProject(input),
    'build:readiness': async (input, ctx) => {
      // Stages on $BUILDPLATFORM run as the engine's own platform; without an engine, this machine's.
      const engine = await deps.engine
        .connect(ctx.signal)
        .then((c) => describeEngine(c, ctx.signal))
        .catch(() => undefined);
      const buildPlatform = (engine ? nativePlatformOf(engine.os, engine.arch) : undefined) ?? nativePlatformOf('linux', process.arch === 'x64' ? 'amd64' : process.arch) ?? 'linux/amd64';
      return checkReadiness(input, buildPlatform, ctx.signal, deps.plainHttp.client.bind(deps.plainHttp));
    },
    'build:history': async (input) => (deps.dataDir ? new BuildHistory(deps.dataDir).list(input.reference, input.limit) : []),
    'tutorial:init': async (input, ctx) => initTutorial(deps, input, ctx.signal),
    'tutorial:steps': async () => {
      // the commands shown must run as printed on this machine: its CLI form, the absolute sample folder, the configured registry
      const settings = await deps.settings.read();
      return getTutorialSteps({
        port: settings.registry.port,
        cli: cliInvocation(deps.env ?? process.env).prefix,
        sampleDir: path.join(await deps.settings.workspaceDir(), SAMPLE_DIR_NAME),
      });
    },
  };
}
