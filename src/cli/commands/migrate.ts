import { parseArgs } from "node:util";
import { openMigratedDb } from "../../compose/open-db.ts";
import { loadConfig } from "../../config/index.ts";
import type { Command } from "../command.ts";

const migrate: Command = {
  usage: `Usage: prode migrate

Applies the migrations in migrations/ to DATABASE_URL (or the embedded PGlite in
PRODE_DATA_DIR when it is unset), under an advisory lock so concurrent runs queue. The only
command that changes the schema of a Postgres server (Fly: the release_command). No options.`,
  async run(args, io) {
    parseArgs({ args, options: {}, strict: true, allowPositionals: false });
    const config = loadConfig();
    const handle = await openMigratedDb(config);
    try {
      const where =
        handle.kind === "postgres" ? "DATABASE_URL" : `PGlite at ${config.PRODE_DATA_DIR}`;
      io.stdout.write(`migrations applied to ${where}\n`);
      return 0;
    } finally {
      await handle.close();
    }
  },
};
export default migrate;
