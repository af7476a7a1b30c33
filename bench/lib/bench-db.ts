import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { type DbHandle, openDb } from "../../src/db/client.ts";
import { BENCH_ADMIN_URL } from "./env.ts";

/**
 * A throwaway migrated database on the local server (BENCH_DATABASE_URL's server). With
 * `history`, it first holds that many finished runs (each with its audit chain head, 8
 * transitions and 8 audit events) and table statistics, as a deployment does after a
 * while: the planner then chooses as it would there (on empty, never-analysed tables it
 * scans them whole, which a real deployment never sees). `maxConnections` sizes its pool
 * (default: BENCH_POOL, else openDb's). `url` lets other processes connect to it.
 */
export async function createBenchDb(
  options: { history?: number; maxConnections?: number } = {},
): Promise<DbHandle & { url: string; drop(): Promise<void> }> {
  const name = `prode_bench_${randomBytes(4).toString("hex")}`;
  const sql = postgres(BENCH_ADMIN_URL, { max: 1, onnotice: () => {} });
  await sql.unsafe(`create database "${name}"`);
  // Experiment switches only: how much of a step is the WAL flush; server-side durations.
  if (process.env.BENCH_ASYNC_COMMIT)
    await sql.unsafe(`alter database "${name}" set synchronous_commit = off`);
  if (process.env.BENCH_LOG_STATEMENTS)
    await sql.unsafe(`alter database "${name}" set log_min_duration_statement = 0`);
  await sql.end();
  const url = new URL(BENCH_ADMIN_URL);
  url.pathname = `/${name}`;
  // The pool a `prode worker` gets (openDb's default) unless BENCH_POOL says otherwise.
  const maxConnections =
    options.maxConnections ?? (process.env.BENCH_POOL ? Number(process.env.BENCH_POOL) : undefined);
  const handle = openDb({
    databaseUrl: url.toString(),
    ...(maxConnections === undefined ? {} : { maxConnections }),
  });
  await handle.migrate();
  if (options.history) await seedHistory(url.toString(), options.history);
  // Flush what setup wrote now, so the checkpointer's writes do not land in a measurement.
  const c = postgres(BENCH_ADMIN_URL, { max: 1, onnotice: () => {} });
  await c.unsafe("checkpoint");
  await c.end();
  return {
    ...handle,
    url: url.toString(),
    async drop() {
      await handle.close();
      const a = postgres(BENCH_ADMIN_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists "${name}" with (force)`);
      await a.end();
    },
  };
}

async function seedHistory(url: string, runs: number): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const hash = "0".repeat(64);
  await sql.unsafe(
    `insert into runs (id, ticket, phase, outcome, seq, trigger, created_at, updated_at, ended_at)
     select 'hist_' || g, 'HIST-' || g, 'RUN_COMPLETE', 'RUN_COMPLETE', 8, 'bench',
       now() - interval '1 day', now() - interval '1 day', now() - interval '1 day'
     from generate_series(1, ${runs}) g`,
  );
  await sql.unsafe(
    `insert into audit_heads (chain, seq, hash) select 'run:hist_' || g, 8, '${hash}'
     from generate_series(1, ${runs}) g`,
  );
  await sql.unsafe(
    `insert into phase_transitions (run_id, seq, from_state, to_state, fencing, worker, description)
     select 'hist_' || g, s, 'QUEUED', 'PRECHECK', s, 'bench', 'history'
     from generate_series(1, ${runs}) g, generate_series(1, 8) s`,
  );
  await sql.unsafe(
    `insert into audit_events (chain, seq, run_id, type, actor, payload, created_at, prev_hash, hash)
     select 'run:hist_' || g, s, 'hist_' || g, 'transition', 'bench', '{}'::jsonb,
       now() - interval '1 day', '${hash}', '${hash}'
     from generate_series(1, ${runs}) g, generate_series(1, 8) s`,
  );
  await sql.unsafe("analyze");
  await sql.end();
}
