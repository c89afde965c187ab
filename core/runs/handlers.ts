/** The `runs:*` channel handlers, built from the core's shared services. */
import type { ChannelOutput, ChannelParsed } from '../contract/channels.js';
import type { EngineAccess } from '../docker/engine.js';
import { extraLabelsFrom } from '../docker/labels.js';
import type { BinfmtState } from '../docker/parsers/binfmt.js';
import type { CallContext } from '../dispatch.js';
import type { RegistryClientFactory } from '../registry/client.js';
import { inspectReference } from '../registry/manifest.js';
import type { TaskManager } from '../tasks.js';
import { exportRun } from './export.js';
import { RunHistory } from './history.js';
import { hostVariantChoices } from './host-match.js';
import { runMatrix } from './runner.js';

export interface RunsHandlerDeps {
  env?: NodeJS.ProcessEnv;
  dataDir: string;
  engine: EngineAccess;
  tasks: TaskManager;
  readBinfmt?: () => Promise<BinfmtState>;
  /** Picks HTTP or HTTPS from the app's plain-HTTP list. */
  makeClient?: RegistryClientFactory;
  engineAgrees?: (registry: string, signal: AbortSignal) => Promise<void>;
}

type RunsChannel = 'runs:start' | 'runs:list' | 'runs:get' | 'runs:export' | 'runs:delete' | 'runs:hosts';

export type RunsHandlers = {
  [C in RunsChannel]: (input: ChannelParsed<C>, ctx: CallContext) => Promise<ChannelOutput<C>>;
};

export function createRunsHandlers(deps: RunsHandlerDeps): RunsHandlers {
  const history = new RunHistory(deps.dataDir);
  const extraLabels = extraLabelsFrom(deps.env);
  return {
    'runs:start': async (input, ctx) =>
      runMatrix(
        {
          reference: input.reference,
          concurrency: input.concurrency,
          ...(input.platforms ? { platforms: input.platforms } : {}),
          ...(input.timeoutMs !== undefined ? { timeoutMs: input.timeoutMs } : {}),
          ...(input.command ? { command: input.command } : {}),
          ...(input.insecure !== undefined ? { insecure: input.insecure } : {}),
        },
        { engine: deps.engine, tasks: deps.tasks, history, extraLabels, ...(deps.readBinfmt ? { readBinfmt: deps.readBinfmt } : {}), ...(deps.makeClient ? { makeClient: deps.makeClient } : {}), ...(deps.engineAgrees ? { engineAgrees: deps.engineAgrees } : {}) },
        ctx.signal,
      ),
    'runs:list': async () => history.list(),
    'runs:get': async ({ id }) => history.get(id),
    'runs:export': async ({ id, format }) => exportRun(await history.get(id), format),
    'runs:delete': async ({ id }) => ({ deleted: await history.delete(id) }),
    'runs:hosts': async ({ reference, insecure }, ctx) => {
      const inspection = await inspectReference({ reference, ...(insecure !== undefined ? { insecure } : {}) }, ctx.signal, deps.makeClient);
      return {
        reference,
        digest: inspection.digest,
        imagePlatforms: inspection.platforms,
        choices: hostVariantChoices(inspection.platforms, undefined, inspection.root.kind === 'manifest'),
        ...(inspection.plainHttpNote ? { plainHttpNote: inspection.plainHttpNote } : {}),
      };
    },
  };
}
