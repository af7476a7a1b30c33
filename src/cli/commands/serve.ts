import { exitOnFatalError } from "../../compose/fatal.ts";
import { untilSignal } from "../../compose/processes.ts";
import { type ProcessRole, startProde } from "../../compose/prode.ts";
import { loadConfig } from "../../config/index.ts";
import type { Command } from "../command.ts";

/** web, worker and dev share one shape: start prode in the role, stop on a signal. */
function serve(role: ProcessRole): Command {
  return {
    async run(_args, io) {
      const config = loadConfig();
      const prode = await startProde({ role, config });
      // An error nothing handled ends the process non-zero; its supervisor restarts it.
      exitOnFatalError(prode.resources.log);
      if (prode.url) io.stdout.write(`prode ${role}: listening on ${prode.url}\n`);
      if (prode.worker)
        io.stdout.write(`prode ${role}: worker ${prode.resources.workerId} running\n`);
      if (config.missing.length)
        io.stdout.write(`prode ${role}: not configured: ${config.missing.join(", ")}\n`);
      const signal = await untilSignal();
      prode.resources.log.info({ signal }, "shutting down");
      await prode.close();
      return 0;
    },
  };
}

export const web = serve("web");
export const worker = serve("worker");
export const dev = serve("dev");
