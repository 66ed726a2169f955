// Every wait is bounded and cancellable: these helpers end early when SIGTERM/SIGINT aborts the run.
import { MigratorError } from './errors.js';

/** Waits `ms`, or less if `signal` aborts first (then resolves; the caller checks the signal). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Throws the abort reason (an InterruptedError from main.ts) once the run was interrupted. */
export function throwIfAborted(signal: AbortSignal): void {
  if (!signal.aborted) return;
  throw signal.reason instanceof MigratorError ? signal.reason : new Error('aborted', { cause: signal.reason });
}

/**
 * A controller of its own (to abort one part of the run: a fleet target's deadline, an abandoned
 * connect) that also aborts when `parent` does, with `reasonOf(parent.reason)`. release() stops
 * following the parent once that part is over.
 */
export function followSignal(parent: AbortSignal | undefined, reasonOf: (reason: unknown) => unknown = (r) => r): { controller: AbortController; release(): void } {
  const controller = new AbortController();
  const abort = () => controller.abort(reasonOf(parent?.reason));
  if (parent?.aborted) abort();
  else parent?.addEventListener('abort', abort, { once: true });
  return { controller, release: () => parent?.removeEventListener('abort', abort) };
}
