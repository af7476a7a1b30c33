import type { Config } from "../config/index.ts";
import { type DbHandle, openDb } from "../db/client.ts";

/**
 * Opens the configured database (DATABASE_URL, or the embedded PGlite data directory)
 * and applies pending migrations, so every command works on a fresh machine.
 */
export async function openMigratedDb(config: Config): Promise<DbHandle> {
  const handle = openDb({ databaseUrl: config.DATABASE_URL, dataDir: config.PRODE_DATA_DIR });
  await handle.migrate();
  return handle;
}
