/**
 * The one place that starts processes. Every command is a file plus an argument array: never a shell,
 * never a command string. Cancelling kills the whole process tree, so a cancelled `docker buildx build`
 * does not leave its plugin process running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../contract/errors.js';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  /** Kill the command when it runs longer than this. */
  timeoutMs?: number;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** Written to the command's stdin, which is then closed. Without it stdin is /dev/null. */
  input?: string | Buffer;
  /** How much of each stream to keep in the result (the line callbacks still see everything). */
  maxBufferBytes?: number;
  /**
   * false: on Linux the command stays in the app's session and process group, as a command a script runs does,
   * instead of getting a session of its own. For short commands: on Linux a new session is a new scheduler
   * autogroup, which on a busy machine made a ~100 ms `docker buildx create` take ~1.3-1.5x as long (issue 15).
   * Cancelling still ends the whole tree: the command's descendants are found in /proc and signalled with it.
   * A terminal's Ctrl-C then reaches the command too, not only the app. Default true; ignored elsewhere than Linux.
   */
  ownSession?: boolean;
  /** The command as messages name it, when that is not `basename(file) args…` (the buildx plugin started for `docker buildx`). */
  shownAs?: readonly string[];
}

export interface CommandResult {
  /** Exit code; 128 + signal number style values are not invented: a signal death gives -1 and `signal`. */
  code: number;
  signal?: NodeJS.Signals;
  stdout: string;
  stderr: string;
}

const DEFAULT_MAX_BUFFER = 16 * 1024 * 1024;
/** How long a process gets to exit on SIGTERM before SIGKILL. */
const KILL_GRACE_MS = 3000;

/** Shell-safe characters that need no quoting when pasted into a POSIX shell. */
const SAFE_ARG = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes an argument array so it can be pasted into a POSIX shell and run as the same command.
 * Only for showing commands to people: the app itself never runs a command string.
 */
export function formatCommand(args: readonly string[]): string {
  return args.map(quoteArg).join(' ');
}

function quoteArg(arg: string): string {
  if (arg === '') return "''";
  if (SAFE_ARG.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Runs `file args…` and collects its output. Resolves with the exit code (non-zero is not an error here). */
export function runCommand(file: string, args: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
  const shown = formatCommand(opts.shownAs ?? [path.basename(file), ...args]);
  if (opts.signal?.aborted) return Promise.reject(new AppError('cancelled', `\`${truncate(shown)}\` was cancelled before it started.`));

  // A process group of its own, so cancelling can signal the command and everything it started (on Linux a
  // command may stay in ours, its descendants then found in /proc).
  const ownGroup = process.platform !== 'win32' && (opts.ownSession !== false || process.platform !== 'linux');
  return new Promise<CommandResult>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(file, [...args], {
        env: opts.env ?? process.env,
        cwd: opts.cwd,
        detached: ownGroup,
        stdio: [opts.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (error) {
      reject(spawnError(file, error));
      return;
    }

    const max = opts.maxBufferBytes ?? DEFAULT_MAX_BUFFER;
    const out = collector(max, opts.onStdoutLine);
    const err = collector(max, opts.onStderrLine);
    child.stdout?.on('data', out.push);
    child.stderr?.on('data', err.push);

    let ending: AppError | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (why: AppError) => {
      if (ending) return;
      ending = why;
      killTree(child, 'SIGTERM', ownGroup);
      killTimer = setTimeout(() => killTree(child, 'SIGKILL', ownGroup), KILL_GRACE_MS);
      killTimer.unref();
    };
    const onAbort = () => stop(new AppError('cancelled', `\`${truncate(shown)}\` was cancelled.`));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timeout = opts.timeoutMs
      ? setTimeout(
          () =>
            stop(
              new AppError('timeout', `\`${truncate(shown)}\` did not finish within ${formatSeconds(opts.timeoutMs ?? 0)}.`, {
                hint: 'The engine may be busy or stuck; try again, or run the command yourself to see what it waits on.',
              }),
            ),
          opts.timeoutMs,
        )
      : undefined;

    const cleanup = () => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (timeout) clearTimeout(timeout);
      if (killTimer) clearTimeout(killTimer);
    };

    child.on('error', (error) => {
      cleanup();
      reject(spawnError(file, error));
    });
    child.on('close', (code, signal) => {
      cleanup();
      out.flush();
      err.flush();
      if (ending) {
        reject(ending);
        return;
      }
      const result: CommandResult = { code: code ?? -1, stdout: out.text(), stderr: err.text() };
      if (signal) result.signal = signal;
      resolve(result);
    });

    if (opts.input !== undefined && child.stdin) {
      // The command may exit without reading its input; that is its business, not an error of ours.
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input);
    }
  });
}

function collector(max: number, onLine?: (line: string) => void) {
  const chunks: Buffer[] = [];
  let size = 0;
  let partial = '';
  return {
    push: (chunk: Buffer) => {
      if (size < max) {
        const keep = chunk.subarray(0, max - size);
        chunks.push(keep);
        size += keep.length;
      }
      if (onLine) {
        const text = partial + chunk.toString('utf8');
        const lines = text.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) onLine(line.replace(/\r$/, ''));
      }
    },
    flush: () => {
      if (onLine && partial) onLine(partial.replace(/\r$/, ''));
      partial = '';
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

/** Linux: every process below `pid` (each before its own children), from /proc/PID/task/TID/children; [] where /proc cannot say. */
function descendants(pid: number, depth = 0): number[] {
  if (depth > 32) return [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const task of tasks) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of text.split(/\s+/).filter(Boolean).map(Number)) out.push(child, ...descendants(child, depth + 1));
  }
  return out;
}

function killTree(child: ChildProcess, signal: NodeJS.Signals, ownGroup: boolean): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  if (process.platform === 'win32') {
    // taskkill /T is how Windows ends a process and its children.
    const killer = spawn('taskkill', ['/pid', String(child.pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
    killer.on('error', () => child.kill());
    return;
  }
  if (ownGroup) {
    try {
      process.kill(-child.pid, signal);
      return;
    } catch {
      // no such group: the command alone, below
    }
  } else {
    // in the app's own group: the tree as /proc shows it now, then the command itself
    for (const pid of descendants(child.pid)) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  }
  try {
    child.kill(signal);
  } catch {
    // already gone
  }
}

function spawnError(file: string, error: unknown): AppError {
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') {
    return new AppError('not-found', `The program ${file} was not found.`, { hint: 'Install it, or check that it is on your PATH.', cause: error });
  }
  if (e?.code === 'EACCES') {
    return new AppError('command-failed', `The program ${file} could not be started: permission denied.`, { hint: 'Check that the file is executable.', cause: error });
  }
  return new AppError('command-failed', `The program ${file} could not be started: ${e?.message ?? String(error)}`, { cause: error });
}

function truncate(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
