import pino from "pino";
import { startProde } from "../../src/compose/prode.ts";
import { loadConfig } from "../../src/config/index.ts";

/**
 * The worker-process side of bench/slack-ack.bench.ts: prode's worker role, started by
 * the composition root as `prode worker` starts it (it consumes the Slack interaction
 * stream). Configured by the environment the bench passes; prints "ready" once
 * consuming and stops on SIGTERM.
 */
const prode = await startProde({
  role: "worker",
  config: loadConfig(),
  log: pino({ level: "silent" }),
});
process.stdout.write("ready\n");
process.once("SIGTERM", async () => {
  await prode.close();
  process.exit(0);
});
