/**
 * Ctrl-C cancels the running call (its task stops and cleans up) instead of killing the process mid-step.
 * The same Ctrl-C often arrives twice: once from the terminal to the whole process group, once relayed by a
 * wrapper such as npx or tsx. Only an interrupt more than a second after the first forces the exit.
 */
export function cancelOnInterrupt(controller: AbortController, reason?: unknown): () => void {
  let firstAt = 0;
  const onSigint = () => {
    if (firstAt === 0) {
      firstAt = Date.now();
      controller.abort(reason);
      return;
    }
    if (Date.now() - firstAt > 1000) {
      process.stderr.write('\nInterrupted again: exiting without waiting for the cleanup.\n');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  return () => {
    // once interrupted, keep swallowing the relayed duplicate until the process exits with its own code
    if (firstAt === 0) process.removeListener('SIGINT', onSigint);
  };
}
