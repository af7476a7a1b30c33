import type { Logger } from "pino";
import { asAppError } from "../../domain/errors.ts";

/**
 * Work that runs after Slack was acknowledged. Slack wants an answer within 3 seconds,
 * so listeners ack first and hand the slow part (database, Web API calls) here; a
 * failure is logged with its code, never thrown into Bolt after the response was sent.
 *
 * At most `concurrency` tasks run at once and the rest wait in order: under a burst,
 * hundreds of tasks in flight would fill the event loop with their I/O callbacks and
 * delay the very acks this exists to protect. Past `maxQueued` waiting tasks a new one
 * is dropped and logged (the process is overloaded; memory stays bounded).
 * `idle()` waits for everything in flight and queued: shutdown and tests use it.
 */
export interface BackgroundTasks {
  run(name: string, task: () => Promise<void>): void;
  /** Resolves when no task is running or waiting (including tasks started meanwhile). */
  idle(): Promise<void>;
  /** Tasks running or waiting. */
  readonly size: number;
}

export interface BackgroundOptions {
  concurrency?: number;
  maxQueued?: number;
}

export function createBackgroundTasks(
  log: Logger,
  options: BackgroundOptions = {},
): BackgroundTasks {
  const concurrency = options.concurrency ?? 16;
  const maxQueued = options.maxQueued ?? 10_000;
  const waiting: { name: string; task: () => Promise<void> }[] = [];
  let running = 0;
  let drained: (() => void)[] = [];

  const settle = () => {
    if (running === 0 && waiting.length === 0) {
      const resolve = drained;
      drained = [];
      for (const r of resolve) r();
    }
  };
  const start = (name: string, task: () => Promise<void>) => {
    running += 1;
    Promise.resolve()
      .then(task)
      .catch((error: unknown) => {
        const e = asAppError(error);
        log.error({ err: e, code: e.code, task: name }, "slack background task failed");
      })
      .finally(() => {
        running -= 1;
        const next = waiting.shift();
        if (next) start(next.name, next.task);
        settle();
      });
  };

  return {
    run(name, task) {
      if (running < concurrency) return start(name, task);
      if (waiting.length >= maxQueued) {
        log.error(
          { task: name, waiting: waiting.length },
          "slack background queue full; task dropped",
        );
        return;
      }
      waiting.push({ name, task });
    },
    idle() {
      if (running === 0 && waiting.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => drained.push(resolve));
    },
    get size() {
      return running + waiting.length;
    },
  };
}
