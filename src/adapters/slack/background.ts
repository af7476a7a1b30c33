import type { Logger } from "pino";
import { asAppError } from "../../domain/errors.ts";

/**
 * Work that runs after Slack was acknowledged. Slack wants an answer within 3 seconds,
 * so listeners ack first and hand the slow part (database, Web API calls) here; a
 * failure is logged with its code, never thrown into Bolt after the response was sent.
 * `idle()` waits for everything in flight: shutdown and tests use it.
 */
export interface BackgroundTasks {
  run(name: string, task: () => Promise<void>): void;
  /** Resolves when no task is running (including tasks started while waiting). */
  idle(): Promise<void>;
  readonly size: number;
}

export function createBackgroundTasks(log: Logger): BackgroundTasks {
  const running = new Set<Promise<void>>();
  return {
    run(name, task) {
      const p: Promise<void> = Promise.resolve()
        .then(task)
        .catch((error: unknown) => {
          const e = asAppError(error);
          log.error({ err: e, code: e.code, task: name }, "slack background task failed");
        })
        .finally(() => running.delete(p));
      running.add(p);
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    get size() {
      return running.size;
    },
  };
}
