import type { Logger } from "pino";

/** Anything that emits ioredis-style `error` events: a Redis connection, a BullMQ Worker or Queue. */
interface ErrorEmitter {
  on(event: "error", listener: (error: Error) => void): unknown;
}

/**
 * Routes a Redis client's `error` events through the process logger, throttled. Without a
 * listener ioredis prints every reconnect failure as raw multi-line text on stderr
 * ("[ioredis] Unhandled error event: …", about two a second while Redis is down, issue 16);
 * with it, the first error of a burst is one JSON line, and while errors keep coming at
 * most one line per `everyMs` carries how many were suppressed since the last one.
 */
export function logRedisErrors(
  emitter: ErrorEmitter,
  log: Logger,
  name: string,
  everyMs = 30_000,
  now: () => number = Date.now,
): void {
  let lastLogged = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  emitter.on("error", (error) => {
    const at = now();
    if (at - lastLogged < everyMs) {
      suppressed += 1;
      return;
    }
    lastLogged = at;
    const code = (error as NodeJS.ErrnoException).code;
    log.error(
      { redis: name, code, err: { message: error.message, code }, suppressed },
      "redis error",
    );
    suppressed = 0;
  });
}
