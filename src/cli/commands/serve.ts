import { buildPhaseHandlers } from "../../app/phase-handlers.ts";
import { startWeb, startWorkerRole, untilSignal } from "../../app/processes.ts";
import { openResources } from "../../app/resources.ts";
import { loadConfig } from "../../config/index.ts";
import type { Command } from "../command.ts";

type Role = "web" | "worker" | "dev";

/** web, worker and dev share one shape: open resources, start roles, stop on a signal. */
function serve(role: Role, summary: string): Command {
  return {
    name: role,
    summary,
    async run(_args, io) {
      const res = await openResources(loadConfig(), role);
      const web = role === "worker" ? undefined : await startWeb(res);
      const worker = role === "web" ? undefined : startWorkerRole(res, buildPhaseHandlers(res));
      if (web) io.stdout.write(`prode ${role}: listening on http://localhost:${web.port}\n`);
      if (worker) io.stdout.write(`prode ${role}: worker ${res.workerId} running\n`);
      const signal = await untilSignal();
      res.log.info({ signal }, "shutting down");
      await web?.close();
      await worker?.close();
      await res.close();
      return 0;
    },
  };
}

export const web = serve(
  "web",
  "HTTP server: /healthz, /readyz, /metrics (Slack and webhooks mount here)",
);
export const worker = serve("worker", "phase workers and the reconciler");
export const dev = serve("dev", "web and worker in one process, on embedded defaults");
