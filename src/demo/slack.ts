import type { Logger } from "pino";
import { createSlackWebClient } from "../adapters/slack/client.ts";
import type { TriageNotifier } from "../runner/ports.ts";
import type { World } from "../sim/server.ts";
import { createSlackNotifier } from "../slack/notifier.ts";

/** The incident channel of a world: the real notifier, its WebClient pointed at the world. */
export function worldNotifier(
  log: Logger,
): (world: World, env: Record<string, string>) => TriageNotifier {
  return (world, env) =>
    createSlackNotifier({
      client: createSlackWebClient({
        token: env.SLACK_BOT_TOKEN ?? "",
        apiUrl: world.urls.slack,
        log,
      }),
      channel: env.SLACK_INCIDENT_CHANNEL ?? world.scenario.slack.incidentChannel,
    });
}
