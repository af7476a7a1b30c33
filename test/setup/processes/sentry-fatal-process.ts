import { exitOnFatalError } from "../../../src/compose/fatal.ts";
import { loadConfig } from "../../../src/config/index.ts";
import { createLogger } from "../../../src/observability/logger.ts";
import { initSentry } from "../../../src/observability/sentry.ts";

/**
 * A process wired as `prode web|worker` wires Sentry (PRODE_SENTRY_DSN from its env),
 * that then leaves a rejection carrying the secrets in argv[2] unawaited.
 */
const config = loadConfig();
const reporter = await initSentry(config);
const log = createLogger("info", { role: "fixture" });
exitOnFatalError(log, undefined, reporter);
setImmediate(() => {
  void Promise.reject(new Error(`upstream refused ${process.argv[2]}`));
});
// Stays alive unless the handlers end it.
setTimeout(() => process.stdout.write("still alive\n"), 10_000);
