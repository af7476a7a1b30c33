import type { Logger } from "pino";
import { createSlackWebClient } from "../../src/adapters/slack/client.ts";
import type { TriageNotifier } from "../../src/runner/ports.ts";
import { createSlackNotifier } from "../../src/slack/notifier.ts";
import type { World } from "../server.ts";

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
