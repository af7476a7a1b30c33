import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { AppError, ErrorCode } from "../domain/errors.ts";
import * as schema from "./schema.ts";

/** The database as every module sees it: the same drizzle API over postgres.js or PGlite. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

export interface DbHandle {
  db: Db;
  /** "postgres" for a server at DATABASE_URL, "pglite" for the embedded default. */
  kind: "postgres" | "pglite";
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Advisory lock key serialising `migrate` across processes ("prode" in ASCII). */
const MIGRATION_LOCK = 0x70726f6465;

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations", import.meta.url));

interface OpenDbOptions {
  databaseUrl?: string | undefined;
  /** PGlite data directory when no DATABASE_URL; "memory://" keeps it in memory. */
  dataDir?: string;
  maxConnections?: number;
}

/**
 * drizzle asks postgres.js for unnamed statements, and postgres.js sends an unnamed
 * statement with parameters in two round trips (Parse + Describe, wait for the parameter
 * types, then Bind + Execute), parsing and planning it each time. Forcing `prepare` makes
 * each distinct statement a named prepared statement on its connection: one round trip
 * after the first use, no parse, and a cached plan. This halved the runner's Postgres
 * time per step (docs/adr/0009). Connections are recycled by postgres.js (`max_lifetime`),
 * which bounds the per-connection statement cache.
 */
function withPreparedStatements<T extends postgres.Sql | postgres.TransactionSql>(client: T): T {
  return new Proxy(client, {
    get(target, key, receiver) {
      if (key === "unsafe") {
        return (query: string, params?: unknown[], options?: Record<string, unknown>) =>
          target.unsafe(query, params as never, { ...options, prepare: true });
      }
      if (key === "begin" || key === "savepoint") {
        const original = Reflect.get(target, key, receiver) as (
          ...args: unknown[]
        ) => Promise<unknown>;
        return (...args: unknown[]) => {
          const fn = args.pop() as (tx: postgres.TransactionSql) => unknown;
          return original.call(target, ...args, (tx: postgres.TransactionSql) =>
            fn(withPreparedStatements(tx)),
          );
        };
      }
      return Reflect.get(target, key, receiver);
    },
  });
}

export function openDb(options: OpenDbOptions): DbHandle {
  if (options.databaseUrl) {
    const client = postgres(options.databaseUrl, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      // Keep connection failures short so /readyz and the CLI answer fast.
      connect_timeout: 5,
    });
    const db = drizzlePostgres(withPreparedStatements(client), { schema }) as unknown as Db;
    return {
      db,
      kind: "postgres",
      migrate: async () => {
        // Processes starting together (web and worker) must not migrate at once: the
        // second would race the first's CREATE TABLEs. A session advisory lock on one
        // connection queues them; the second then finds every migration applied.
        const lock = postgres(options.databaseUrl!, {
          max: 1,
          onnotice: () => {},
          connect_timeout: 5,
        });
        try {
          await lock`select pg_advisory_lock(${MIGRATION_LOCK})`;
          await migratePostgres(drizzlePostgres(client), { migrationsFolder: MIGRATIONS_DIR });
        } finally {
          await lock`select pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => {});
          await lock.end({ timeout: 5 });
        }
      },
      ping: async () => {
        await db.execute(sql`select 1`);
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  const dataDir = options.dataDir ?? ".prode/data";
  const unlock = dataDir.startsWith("memory://") ? () => {} : lockDataDir(dataDir);
  const client = new PGlite(dataDir);
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    kind: "pglite",
    migrate: () => migratePglite(drizzlePglite(client), { migrationsFolder: MIGRATIONS_DIR }),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      await client.close();
      unlock();
    },
  };
}

/**
 * PGlite is one process's database: a second process opening the same directory would
 * diverge from the first (or corrupt it). A pid file makes the second one stop with a
 * clear message instead; a stale file (its process gone) is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lock = join(dataDir, "prode.pid");
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      return () => rmSync(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number(readFileSync(lock, "utf8"));
      if (pid === process.pid || !isAlive(pid)) {
        rmSync(lock, { force: true });
        continue;
      }
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `the embedded database at ${dataDir} is in use by process ${pid} (a running prode dev?): stop it, or set DATABASE_URL so processes share a Postgres server`,
      );
    }
  }
  throw new AppError(ErrorCode.ConfigInvalid, `could not lock the embedded database at ${dataDir}`);
}

/** Whether process `pid` exists (on this machine), as `kill -0` tells. */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
