import { parseArgs } from "node:util";
import { intakeDeps, openResources } from "../../compose/resources.ts";
import { loadConfig } from "../../config/index.ts";
import { startTriage } from "../../intake/intake.ts";
import { type Command, defaultActor, UsageError } from "../command.ts";

const triage: Command = {
  usage:
    "Usage: prode triage ENG-123\nA running worker (prode worker or prode dev) executes the run.",
  async run(args, io) {
    const { positionals } = parseArgs({ args, options: {}, strict: true, allowPositionals: true });
    if (positionals.length !== 1) {
      throw new UsageError("give exactly one ticket key, e.g. prode triage ENG-123");
    }
    const config = loadConfig();
    const res = await openResources(config, "cli");
    try {
      const { runId, created } = await startTriage(intakeDeps(res), args[0]!, defaultActor());
      io.stdout.write(
        created
          ? `started run ${runId} for ${args[0]!.toUpperCase()}; a worker picks it up\n`
          : `${args[0]!.toUpperCase()} already has an active run: ${runId} (joined)\n`,
      );
      return 0;
    } finally {
      await res.close();
    }
  },
};
export default triage;
