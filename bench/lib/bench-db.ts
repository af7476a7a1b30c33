import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { type DbHandle, openDb } from "../../src/db/client.ts";

/** A throwaway migrated database on the local server (BENCH_DATABASE_URL's server). */
export async function createBenchDb(): Promise<DbHandle & { drop(): Promise<void> }> {
  const admin = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `prode_bench_${randomBytes(4).toString("hex")}`;
  const sql = postgres(admin, { max: 1, onnotice: () => {} });
  await sql.unsafe(`create database "${name}"`);
  // Experiment switch only: measures how much of a step is the WAL flush.
  if (process.env.BENCH_ASYNC_COMMIT)
    await sql.unsafe(`alter database "${name}" set synchronous_commit = off`);
  if (process.env.BENCH_LOG_STATEMENTS)
    await sql.unsafe(`alter database "${name}" set log_min_duration_statement = 0`);
  await sql.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  // The pool a `prode worker` gets (openDb's default) unless BENCH_POOL says otherwise.
  const handle = openDb({
    databaseUrl: url.toString(),
    ...(process.env.BENCH_POOL ? { maxConnections: Number(process.env.BENCH_POOL) } : {}),
  });
  await handle.migrate();
  // Flush what setup wrote now, so the checkpointer's writes do not land in a measurement.
  const c = postgres(admin, { max: 1, onnotice: () => {} });
  await c.unsafe("checkpoint");
  await c.end();
  return {
    ...handle,
    async drop() {
      await handle.close();
      const a = postgres(admin, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists "${name}" with (force)`);
      await a.end();
    },
  };
}
