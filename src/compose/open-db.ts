import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import type { Config } from "../config/index.ts";
import { type DbHandle, MIGRATIONS_DIR, openDb } from "../db/client.ts";
import { AppError, ErrorCode } from "../domain/errors.ts";

/**
 * Opens the configured database (DATABASE_URL, or the embedded PGlite data directory)
 * and applies pending migrations. Only `prode migrate` (Fly's release_command) and the
 * embedded database (dev, demo, `--embedded`) migrate: everything else opens with
 * {@link openCurrentDb}. A failed migration closes the database again (and frees PGlite's
 * directory).
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

/**
 * Opens the configured database without changing it: a command pointed at the wrong
 * database must not create prode's tables there (issue 16). A Postgres server whose
 * schema is behind the migrations this code ships is refused with the command that
 * migrates it; the embedded PGlite belongs to this process and is migrated as before.
 */
export async function openCurrentDb(config: Config): Promise<DbHandle> {
  if (!config.DATABASE_URL) return openMigratedDb(config);
  const handle = openDb({ databaseUrl: config.DATABASE_URL, dataDir: config.PRODE_DATA_DIR });
  try {
    const pending = await pendingMigrations(handle);
    if (pending.length > 0) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `the database schema at DATABASE_URL is behind: ${pending.length} migration(s) not applied (${pending.join(", ")}); run 'prode migrate' first`,
      );
    }
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
  return handle;
}

interface JournalEntry {
  tag: string;
  when: number;
}

/**
 * The shipped migrations the database has not applied. drizzle's migrator applies every
 * journal entry newer than the newest `created_at` in drizzle.__drizzle_migrations; the
 * same comparison here says what it would apply.
 */
export async function pendingMigrations(handle: DbHandle): Promise<string[]> {
  const journal = JSON.parse(
    readFileSync(join(MIGRATIONS_DIR, "meta", "_journal.json"), "utf8"),
  ) as {
    entries: JournalEntry[];
  };
  const [table] = (await handle.db.execute(
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`,
  )) as unknown as { present: boolean }[];
  let last = Number.NEGATIVE_INFINITY;
  if (table?.present) {
    const [row] = (await handle.db.execute(
      sql`select max(created_at)::text as last from drizzle.__drizzle_migrations`,
    )) as unknown as { last: string | null }[];
    if (row?.last) last = Number(row.last);
  }
  return journal.entries.filter((e) => e.when > last).map((e) => e.tag);
}
