import { buildPipeline } from "../../compose/pipeline.ts";
import { startWeb, startWorkerRole, untilSignal } from "../../compose/processes.ts";
import { intakeDeps, openResources } from "../../compose/resources.ts";
import { wireSlack } from "../../compose/slack.ts";
import { loadConfig } from "../../config/index.ts";
import { linearWebhookRoute } from "../../intake/intake.ts";
import { startPoller } from "../../intake/poller.ts";
import { evidencePhases } from "../../phases/handlers.ts";
import { cachedPolicySource } from "../../policy/source.ts";
import type { Command } from "../command.ts";

type Role = "web" | "worker" | "dev";

/** web, worker and dev share one shape: open resources, start roles, stop on a signal. */
function serve(role: Role, summary: string): Command {
  return {
    name: role,
    summary,
    async run(_args, io) {
      const config = loadConfig();
      const res = await openResources(config, role);
      const intake = intakeDeps(res);
      // One policy cache per process, shared by Slack interactions and the pipeline.
      const policyFor = cachedPolicySource(config.PRODE_POLICY_DIR);
      const slack = wireSlack(config, res, role, policyFor);
      const pipeline =
        role === "web"
          ? undefined
          : await buildPipeline(config, res.log, slack?.notifier, policyFor);
      const linearRoute = linearWebhookRoute(
        intake,
        config.linear?.LINEAR_WEBHOOK_SECRET?.reveal(),
      );
      const web =
        role === "worker" ? undefined : await startWeb(res, [linearRoute], slack?.app?.fallback);
      await slack?.start();
      const worker = pipeline
        ? startWorkerRole(
            res,
            evidencePhases(pipeline.deps),
            slack ? { onApprovalExpired: slack.onApprovalExpired } : {},
          )
        : undefined;
      const poller =
        pipeline?.deps.linear && config.PRODE_POLL_MS > 0
          ? startPoller({ ...intake, linear: pipeline.deps.linear }, config.PRODE_POLL_MS)
          : undefined;
      if (web) io.stdout.write(`prode ${role}: listening on http://localhost:${web.port}\n`);
      if (worker) io.stdout.write(`prode ${role}: worker ${res.workerId} running\n`);
      if (config.missing.length)
        io.stdout.write(`prode ${role}: not configured: ${config.missing.join(", ")}\n`);
      const signal = await untilSignal();
      res.log.info({ signal }, "shutting down");
      poller?.stop();
      await slack?.stop();
      await web?.close();
      await worker?.close();
      await pipeline?.close();
      await res.close();
      return 0;
    },
  };
}

export const web = serve("web", "HTTP server: Linear webhooks, Slack, /healthz, /readyz, /metrics");
export const worker = serve("worker", "phase workers, the reconciler and the Linear poller");
export const dev = serve("dev", "web and worker in one process, on embedded defaults");
