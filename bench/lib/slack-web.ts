import { App, HTTPReceiver } from "@slack/bolt";
import pino from "pino";
import { createHttpServer, listen } from "../../src/adapters/http/server.ts";
import { createSlackApp } from "../../src/adapters/slack/app.ts";
import { createSlackInteractionQueue } from "../../src/adapters/slack/interaction-queue.ts";
import { loadConfig } from "../../src/config/index.ts";
import { openDb } from "../../src/db/client.ts";
import { createPhaseQueue, createRedis } from "../../src/runner/queue.ts";

/**
 * The web-process side of bench/slack-ack.bench.ts, in its own process as deployed:
 * `prode` mounts our Slack app (acks, then enqueues to the interaction stream) as the
 * web server's fallback; `bare` mounts a Bolt app with the same receiver whose
 * listeners only ack. Prints "ready <port>"; stops on SIGTERM.
 */
const mode = process.argv[2];
const config = loadConfig();
const log = pino({ level: "silent" });
const slack = config.slack!;
let fallback: Parameters<typeof createHttpServer>[3];
let stop = async () => {};

if (mode === "bare") {
  const receiver = new HTTPReceiver({
    signingSecret: slack.SLACK_SIGNING_SECRET.reveal(),
    endpoints: "/slack/events",
  });
  const app = new App({
    receiver,
    token: slack.SLACK_BOT_TOKEN.reveal(),
    botId: "B0PRODEBOT",
    botUserId: "U0PRODEBOT",
    convoStore: false,
  });
  app.command("/prode", async ({ ack }) => {
    await ack();
  });
  app.action("prode_approve", async ({ ack }) => {
    await ack();
  });
  fallback = (req, res) => receiver.requestListener(req, res);
} else {
  const dbh = openDb({ databaseUrl: config.DATABASE_URL!, maxConnections: 4 });
  const redis = createRedis(config.REDIS_URL!);
  const phases = createPhaseQueue(redis, config.PRODE_QUEUE_PREFIX);
  const interactions = createSlackInteractionQueue(redis, config.PRODE_QUEUE_PREFIX);
  const app = createSlackApp({
    config,
    deps: {
      db: dbh.db,
      log,
      enqueue: phases.enqueue,
      startTriage: async () => ({ runId: "run_bench", created: false }),
      interactions,
    },
  });
  await app.start();
  fallback = app.fallback;
  stop = async () => {
    await app.stop();
    await interactions.close();
    await phases.close();
    redis.disconnect();
    await dbh.close();
  };
}

const server = createHttpServer([], log, undefined, fallback);
const port = await listen(server, 0, "127.0.0.1");
process.stdout.write(`ready ${port}\n`);
process.once("SIGTERM", async () => {
  server.close();
  await stop();
  process.exit(0);
});
