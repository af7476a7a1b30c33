import { App, HTTPReceiver } from "@slack/bolt";
import pino from "pino";
import { createHttpServer, listen } from "../../src/adapters/http/server.ts";
import { startProde } from "../../src/compose/prode.ts";
import { loadConfig } from "../../src/config/index.ts";

/**
 * The web-process side of bench/slack-ack.bench.ts, in its own process as deployed:
 * `prode` is prode's web role started by the composition root (acks, then enqueues to
 * the interaction stream); `bare` mounts a Bolt app with the same receiver whose
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
}

let port: number;
if (mode === "bare") {
  const server = createHttpServer([], log, undefined, fallback);
  port = await listen(server, 0, "127.0.0.1");
  stop = async () => {
    server.close();
  };
} else {
  // prode's web process exactly as `prode web` starts it.
  const prode = await startProde({ role: "web", config, log, host: "127.0.0.1" });
  port = Number(new URL(prode.url!).port);
  stop = () => prode.close();
}
process.stdout.write(`ready ${port}\n`);
process.once("SIGTERM", async () => {
  await stop();
  process.exit(0);
});
