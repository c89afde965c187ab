/**
 * `serve`: browser mode. What stands between the command and its first answer is kept small (issue 15): the
 * server's page side (node's http) loads and listens first; its WebSocket side (ws, the message schemas) and the
 * core, with every channel's schema, load while the browser fetches the page, and the Doctor's report (what every
 * page asks first) starts as soon as the core has.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { Core } from '../../core/app.js';
import { AppError } from '../../core/contract/errors.js';

interface ServeFlags {
  port?: number;
  host?: string;
  open?: boolean;
}

/** What server/server.ts exports; declared here because the server is loaded only when `serve` runs. */
interface ServerModule {
  startServer(opts: {
    core: Core | Promise<Core>;
    port?: number;
    host?: string;
    staticDir?: string;
    warmCall?: { channel: string; input: unknown };
  }): Promise<{ url: string; token: string; port: number; close(): Promise<void> }>;
}

const ENGINE_WATCH_DELAY_MS = 2000;

/** Set (to true) by scripts/bundle-cli.mjs in the bundled command line, where the server is a chunk beside this one. */
declare const __MAL_BUNDLED__: boolean | undefined;

/**
 * Kept in a variable so the CLI compiles and runs `doctor` without the browser-mode server being built. The bundle
 * holds the server too (sharing the core's chunks, so there is one core, not two): there it sits beside this chunk.
 */
const SERVER_MODULE = typeof __MAL_BUNDLED__ !== 'undefined' && __MAL_BUNDLED__ ? './server.js' : '../../server/server.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the app to a browser on this machine (browser mode)')
    .option('--port <port>', 'port to listen on (0 picks a free one)', parsePort)
    .option('--host <host>', 'loopback address to bind', '127.0.0.1')
    .option('--open', 'open the address in the default browser')
    .action(async (flags: ServeFlags) => {
      try {
        process.exitCode = await serve(flags);
      } catch (error) {
        // as runAction does; the printer (and the core's error serializer it loads) only on this path
        const { printError } = await import('../output.js');
        process.exitCode = printError(error);
      }
    });
}

export function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new InvalidArgumentError('Use a number from 0 to 65535 (0 picks a free port).');
  }
  return Number(value);
}

async function loadServer(): Promise<ServerModule> {
  try {
    return (await import(SERVER_MODULE)) as ServerModule;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND') {
      throw new AppError('not-found', 'Browser mode is not available: the server module was not found next to the CLI.', {
        hint: 'Build the app first (npm run build), then run the command again.',
        cause: error,
      });
    }
    throw error;
  }
}

async function serve(flags: ServeFlags): Promise<number> {
  // The Doctor's probes first: the report every page asks for first is mostly waiting (docker buildx ls, the
  // engine's answers), and that waiting now runs while the server and the core load (core/early-doctor.ts).
  const { startEarlyDoctor } = await import('../../core/early-doctor.js');
  const { defaultDataDir } = await import('../../core/paths.js');
  const early = startEarlyDoctor(process.env, defaultDataDir(process.env));
  let startServer: ServerModule['startServer'];
  try {
    ({ startServer } = await loadServer());
  } catch (error) {
    early.drop();
    throw error;
  }
  // The core loads once the server listens (loading both at once holds the listen until the core is evaluated):
  // the page is fetched meanwhile, and calls wait for the core.
  let coreLoaded!: (core: Core) => void;
  let coreFailed!: (error: unknown) => void;
  const coreReady = new Promise<Core>((resolve, reject) => {
    coreLoaded = resolve;
    coreFailed = reject;
  });
  coreReady.catch(() => undefined);
  let running;
  try {
    running = await startServer({
      core: coreReady,
      // every page asks for the Doctor's report first: it runs while the page loads
      warmCall: { channel: 'doctor:report', input: {} },
      ...(flags.port !== undefined ? { port: flags.port } : {}),
      ...(flags.host ? { host: flags.host } : {}),
    });
  } catch (error) {
    early.drop();
    coreFailed(error);
    throw error;
  }
  process.stdout.write(`Multiarch Lab is serving on ${running.url}\n`);
  // from here on Ctrl+C stops the server cleanly, the Doctor's probes that are already running included
  const stopSignal = waitForStopSignal();
  let core: Core;
  try {
    const { createCore } = await import('../../core/app.js');
    core = createCore({ mode: 'browser', early });
  } catch (error) {
    early.drop();
    coreFailed(error);
    await running.close();
    throw error;
  }
  coreLoaded(core);
  // Views refetch on engine events, and notice the engine going away and coming back. Starting the watch loads
  // the engine client (dockerode with grpc and ssh2): a few hundred ms of CPU on the thread that is serving the
  // first page and its Doctor report, so it starts a moment later (issue 15). Nothing is missed meanwhile: a page
  // fetches fresh state when it connects.
  const watchTimer = setTimeout(() => core.startEngineWatch(), ENGINE_WATCH_DELAY_MS);
  process.stdout.write('Press Ctrl+C to stop.\n');
  if (flags.open) await openInBrowser(running.url);

  const signal = await stopSignal;
  clearTimeout(watchTimer);
  process.stderr.write(`\nStopping (${signal})…\n`);
  await running.close();
  await core.close();
  return 0;
}

function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

async function openInBrowser(url: string): Promise<void> {
  const { runCommand } = await import('../../core/docker/exec.js');
  const [file, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['explorer.exe', [url]] : ['xdg-open', [url]];
  try {
    const result = await runCommand(file, args as string[], { timeoutMs: 15_000 });
    // explorer.exe exits 1 even when it opened the page.
    if (result.code !== 0 && process.platform !== 'win32') throw new Error(result.stderr.trim() || `exit code ${result.code}`);
  } catch (error) {
    process.stderr.write(`Could not open a browser (${error instanceof Error ? error.message : String(error)}); open the address above yourself.\n`);
  }
}
