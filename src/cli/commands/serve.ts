import { parseArgs } from "node:util";
import type { Logger } from "pino";
import { exitOnFatalError } from "../../compose/fatal.ts";
import { untilSignal } from "../../compose/processes.ts";
import { type ProcessRole, type Prode, startProde } from "../../compose/prode.ts";
import { loadConfig } from "../../config/index.ts";
import { initSentry } from "../../observability/sentry.ts";
import { type Command, UsageError } from "../command.ts";

const usages: Record<ProcessRole, string> = {
  web: `Usage: prode web [--embedded]

Serves Slack, the Linear webhook, /healthz, /readyz and /metrics on PORT (default 3000).
Needs DATABASE_URL and REDIS_URL, and a database migrated by 'prode migrate'.

  --embedded   without DATABASE_URL / REDIS_URL, use the embedded PGlite and a local or
               private Redis (trying prode on one machine; never in production)`,
  worker: `Usage: prode worker [--embedded]

Runs phase workers, the reconciler and the Linear poller (one pass per cluster), with
/healthz, /readyz and /metrics on PRODE_WORKER_PORT (default 9091). Needs DATABASE_URL and
REDIS_URL, and a database migrated by 'prode migrate'. Stops on SIGTERM within
PRODE_SHUTDOWN_GRACE_MS (default 20 s).

  --embedded   without DATABASE_URL / REDIS_URL, use the embedded PGlite and a local or
               private Redis (trying prode on one machine; never in production)`,
  dev: `Usage: prode dev

Web and worker in one process, on the embedded defaults when DATABASE_URL / REDIS_URL are
unset (PGlite in PRODE_DATA_DIR, Redis on 127.0.0.1:6379 or a private redis-server).
Against 'prode sim --env', PRODE_CLOCK_OFFSET_MS puts prode on the world's clock.
No options.`,
};

/**
 * Stops prode on the first SIGTERM/SIGINT, and exits within the grace whatever Redis and
 * Postgres are doing: a close() waiting on a server that does not answer must not keep a
 * process the supervisor asked to stop (issue 16). A second signal exits at once.
 */
async function stopWithinGrace(prode: Prode, log: Logger, graceMs: number): Promise<number> {
  const signal = await untilSignal();
  log.info({ signal, graceMs }, "shutting down");
  const forced = setTimeout(() => {
    log.error(
      { graceMs },
      "shutdown exceeded its grace; exiting with work released by lease expiry",
    );
    process.exit(1);
  }, graceMs);
  const again = () => {
    log.warn("second signal during shutdown; exiting now");
    process.exit(1);
  };
  process.once("SIGTERM", again);
  process.once("SIGINT", again);
  await prode.close();
  clearTimeout(forced);
  // A client that keeps reconnecting (a Redis still down) would hold the event loop open:
  // everything that matters is closed, so leave shortly even if a handle lingers.
  setTimeout(() => process.exit(0), 1_000).unref();
  log.info("stopped");
  return 0;
}

/** web, worker and dev share one shape: start prode in the role, stop on a signal. */
function serve(role: ProcessRole): Command {
  return {
    usage: usages[role],
    async run(args, io) {
      const { values } = parseArgs({
        args,
        options: role === "dev" ? {} : { embedded: { type: "boolean", default: false } },
        strict: true,
        allowPositionals: false,
      });
      const config = loadConfig();
      if (role !== "dev" && !values.embedded) {
        const missing = (["DATABASE_URL", "REDIS_URL"] as const).filter((name) => !config[name]);
        // A misconfigured pod must not come up ready on an empty embedded database.
        if (missing.length > 0)
          throw new UsageError(
            `${missing.join(" and ")} not set: set ${missing.join(" and ")}, or pass --embedded to run on the embedded defaults (not for production)`,
          );
      }
      // prode's own errors go to Sentry, redacted, when PRODE_SENTRY_DSN is set.
      const reporter = await initSentry(config);
      const offset = config.PRODE_CLOCK_OFFSET_MS;
      // A shifted clock is for a simulated world (prode sim --env), never production's.
      if (offset !== undefined && role !== "dev")
        throw new UsageError("PRODE_CLOCK_OFFSET_MS is for prode dev against prode sim only");
      const prode = await startProde({
        role,
        config,
        ...(offset !== undefined ? { now: () => new Date(Date.now() + offset) } : {}),
      });
      // An error nothing handled ends the process non-zero; its supervisor restarts it.
      exitOnFatalError(prode.resources.log, undefined, reporter);
      if (prode.url) io.stdout.write(`prode ${role}: listening on ${prode.url}\n`);
      if (prode.healthUrl)
        io.stdout.write(`prode ${role}: health and metrics on ${prode.healthUrl}\n`);
      if (prode.worker)
        io.stdout.write(`prode ${role}: worker ${prode.resources.workerId} running\n`);
      if (config.missing.length)
        io.stdout.write(`prode ${role}: not configured: ${config.missing.join(", ")}\n`);
      return stopWithinGrace(prode, prode.resources.log, config.PRODE_SHUTDOWN_GRACE_MS);
    },
  };
}

export const web = serve("web");
export const worker = serve("worker");
export const dev = serve("dev");
