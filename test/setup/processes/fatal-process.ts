import { exitOnFatalError } from "../../../src/compose/fatal.ts";
import { createLogger } from "../../../src/observability/logger.ts";

/**
 * A process that installs prode's fatal-error handlers, then fails the way argv[2] says
 * outside any request or job: `exception` throws from a timer (as postgres.js did from
 * its deferred write), `rejection` leaves a rejected promise unawaited.
 */
const log = createLogger("info", { role: "fixture" });
exitOnFatalError(log);
const how = process.argv[2];
setImmediate(() => {
  if (how === "exception") throw new TypeError("Cannot read properties of null (reading 'write')");
  void Promise.reject(new Error("nobody awaited this"));
});
// Stays alive unless the handlers end it.
setTimeout(() => process.stdout.write("still alive\n"), 5_000);
