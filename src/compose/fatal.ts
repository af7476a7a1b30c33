import type { Logger } from "pino";
import { type ErrorReporter, FATAL_FLUSH_TIMEOUT_MS } from "../observability/sentry.ts";

/** The exit code of a process stopped by an error nothing handled (sysexits EX_SOFTWARE). */
export const FATAL_EXIT_CODE = 70;

/**
 * A long-running process (web, worker, dev) that meets an error nothing handled (an
 * exception thrown from a timer or socket callback, a rejection no one awaited) is in a
 * state nobody reasoned about: it logs one JSON line and exits non-zero, and its
 * supervisor starts a fresh one (docs/deploy.md: Fly's restart policy, systemd's
 * Restart=on-failure). Work is not lost by exiting: Postgres holds every run, the lease
 * of a step the process held expires and the reconciler hands it to another worker.
 *
 * Request paths handle their own errors (a failed request is a 500, never an exit):
 * what reaches these handlers escaped every handler we wrote. Returns the uninstaller.
 */
export function exitOnFatalError(
  log: Logger,
  exit: (code: number) => void = (code) => process.exit(code),
  reporter?: ErrorReporter,
): () => void {
  let exiting = false;
  const fatal = (kind: "uncaughtException" | "unhandledRejection") => (error: unknown) => {
    if (exiting) return;
    exiting = true;
    try {
      log.fatal({ err: error, fatal: kind, exitCode: FATAL_EXIT_CODE }, `${kind}; exiting`);
    } catch {
      // The logger itself failed: the exit code still tells the supervisor.
    }
    if (!reporter) return exit(FATAL_EXIT_CODE);
    // With Sentry on, the error is sent before the exit; the flush is bounded, and so is
    // this wait, in case the SDK itself hangs.
    const bound = setTimeout(() => exit(FATAL_EXIT_CODE), FATAL_FLUSH_TIMEOUT_MS + 500);
    void reporter.captureAndFlush(error, FATAL_FLUSH_TIMEOUT_MS).finally(() => {
      clearTimeout(bound);
      exit(FATAL_EXIT_CODE);
    });
  };
  const onException = fatal("uncaughtException");
  const onRejection = fatal("unhandledRejection");
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
  return () => {
    process.off("uncaughtException", onException);
    process.off("unhandledRejection", onRejection);
  };
}
