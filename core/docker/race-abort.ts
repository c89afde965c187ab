import { AppError } from '../contract/errors.js';

/**
 * `work` for one waiter: its value, or a `cancelled` error as soon as that waiter's `signal` aborts. The work itself
 * goes on for its other waiters (a lookup shared by several calls is never stopped by one of them giving up).
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  const cancelled = () => new AppError('cancelled', `${what} was cancelled.`);
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
