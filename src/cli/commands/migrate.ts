import { openMigratedDb } from "../../compose/open-db.ts";
import { loadConfig } from "../../config/index.ts";
import type { Command } from "../command.ts";

const migrate: Command = {
  async run(_args, io) {
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
