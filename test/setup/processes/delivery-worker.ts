import { untilSignal } from "../../../src/compose/processes.ts";
import { startProde } from "../../../src/compose/prode.ts";
import { loadConfig } from "../../../src/config/index.ts";

/**
 * `prode worker` as the composition root starts it (configuration from the environment),
 * with one difference: phases read the simulated world's clock, `offsetMs` ahead of this
 * machine's, as the in-process scenario harness gives them. Prints STARTED once up.
 */
const offsetMs = Number(process.argv[2] ?? 0);
const prode = await startProde({
  role: "worker",
  config: loadConfig(process.env),
  now: () => new Date(Date.now() + offsetMs),
  host: "127.0.0.1",
});
process.stdout.write("STARTED\n");
await untilSignal();
await prode.close();
process.exit(0);
