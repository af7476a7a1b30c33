import type { Config } from "../config/index.ts";
import { type DbHandle, openDb } from "../db/client.ts";

/**
 * Opens the configured database (DATABASE_URL, or the embedded PGlite data directory)
 * and applies pending migrations, so every command works on a fresh machine. A failed
 * migration closes the database again (and frees PGlite's directory).
 */
export async function openMigratedDb(config: Config): Promise<DbHandle> {
  const handle = openDb({ databaseUrl: config.DATABASE_URL, dataDir: config.PRODE_DATA_DIR });
  try {
    await handle.migrate();
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
  return handle;
}
