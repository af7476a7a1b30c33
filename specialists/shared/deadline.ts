import { setMaxListeners } from "node:events";

/**
 * A specialist run's deadline. The ports take no signal, so when the deadline passes the
 * specialist stops waiting for a read rather than cancelling it.
 */

/** Thrown into a pending read by {@link untilAborted} when the run's deadline passes. */
export class DeadlineReached extends Error {
  constructor() {
    super("specialist deadline reached");
    this.name = "DeadlineReached";
  }
}

/**
 * Settles with the read, or rejects with {@link DeadlineReached} as soon as the signal
 * aborts. A read abandoned this way has its rejection swallowed, so it cannot surface
 * later as an unhandled rejection.
 */
export function untilAborted<T>(read: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    read.catch(() => {});
    return Promise.reject(new DeadlineReached());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DeadlineReached());
    signal.addEventListener("abort", onAbort, { once: true });
    read.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * The caller's signal, also aborted when `deadline` passes. A specialist runs its reads
 * concurrently under this one signal and each pending read listens once (removed when it
 * settles, {@link untilAborted}), so the listener count is the reads in flight, not a leak:
 * Node's default warning at 11 is lifted for it.
 */
export function deadlineSignal(input: { signal: AbortSignal; deadline: Date }): AbortSignal {
  const remaining = input.deadline.getTime() - Date.now();
  if (remaining <= 0) return AbortSignal.abort(new DeadlineReached());
  const signal = AbortSignal.any([input.signal, AbortSignal.timeout(remaining)]);
  setMaxListeners(0, signal);
  return signal;
}

/**
 * The run's clock: `now` (the world's time when the run started) advanced by the time the
 * run has taken since, so a source read late in the run is stamped later.
 */
export function runClock(now: Date): () => Date {
  const startedAt = Date.now();
  return () => new Date(now.getTime() + (Date.now() - startedAt));
}
