import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { type DbHandle, isAlive, openDb } from "../../src/db/client.ts";
import { BENCH_ADMIN_URL } from "./env.ts";

const admin = () => postgres(BENCH_ADMIN_URL, { max: 1, onnotice: () => {} });

function dbUrl(name: string): string {
  const url = new URL(BENCH_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * This process's template databases, one per `history`: built on first use (migrated,
 * seeded, analysed), then copied by every createBenchDb. A copy keeps the template's
 * table statistics, so the planner chooses as on a freshly built one. The database
 * settings (BENCH_ASYNC_COMMIT, BENCH_LOG_STATEMENTS) are not copied by CREATE DATABASE,
 * so createBenchDb applies them to each copy. dropBenchTemplates drops them at exit.
 */
const templates = new Map<number, Promise<string>>();

/**
 * The name carries the creating process, so a later process can sweep what one that
 * died before dropBenchTemplates left behind.
 */
const TEMPLATE_PREFIX = "prode_benchtpl_";

function template(history: number): Promise<string> {
  let built = templates.get(history);
  if (!built) {
    built = buildTemplate(history);
    templates.set(history, built);
    built.catch(() => templates.delete(history));
  }
  return built;
}

async function buildTemplate(history: number): Promise<string> {
  const name = `${TEMPLATE_PREFIX}${process.pid}_${randomBytes(3).toString("hex")}_h${history}`;
  const sql = admin();
  try {
    await sweepTemplates(sql);
    await sql.unsafe(`create database "${name}"`);
    try {
      const handle = openDb({ databaseUrl: dbUrl(name), maxConnections: 1 });
      try {
        await handle.migrate();
      } finally {
        await handle.close();
      }
      if (history) await seedHistory(dbUrl(name), history);
    } catch (error) {
      await sql.unsafe(`drop database if exists "${name}" with (force)`);
      throw error;
    }
  } finally {
    await sql.end();
  }
  return name;
}

/** Drops templates whose process is gone (it died before dropping them). */
async function sweepTemplates(sql: postgres.Sql): Promise<void> {
  const rows = await sql`
    select datname from pg_database
    where starts_with(datname, ${TEMPLATE_PREFIX})
      and not exists (select 1 from pg_stat_activity a where a.datname = pg_database.datname)`;
  for (const { datname } of rows) {
    const [pid] = String(datname).slice(TEMPLATE_PREFIX.length).split("_");
    if (isAlive(Number(pid))) continue;
    await sql.unsafe(`drop database if exists "${datname}"`);
  }
}

/** Drops this process's templates; bench/run.ts calls it once every benchmark is done. */
export async function dropBenchTemplates(): Promise<void> {
  const names = await Promise.allSettled(templates.values());
  templates.clear();
  const sql = admin();
  try {
    for (const r of names) {
      if (r.status === "fulfilled")
        await sql.unsafe(`drop database if exists "${r.value}" with (force)`);
    }
  } finally {
    await sql.end();
  }
}

/**
 * A throwaway migrated database on the local server (BENCH_DATABASE_URL's server). With
 * `history`, it first holds that many finished runs (each with its audit chain head, 8
 * transitions and 8 audit events) and table statistics, as a deployment does after a
 * while: the planner then chooses as it would there (on empty, never-analysed tables it
 * scans them whole, which a real deployment never sees). `maxConnections` sizes its pool
 * (default: BENCH_POOL, else openDb's). `url` lets other processes connect to it. It is
 * a copy of this process's template for `history` (see `templates`).
 */
export async function createBenchDb(
  options: { history?: number; maxConnections?: number } = {},
): Promise<DbHandle & { url: string; drop(): Promise<void> }> {
  const tpl = await template(options.history ?? 0);
  const name = `prode_bench_${randomBytes(4).toString("hex")}`;
  const sql = admin();
  try {
    await sql.unsafe(`create database "${name}" template "${tpl}"`);
    // Experiment switches only: how much of a step is the WAL flush; server-side durations.
    if (process.env.BENCH_ASYNC_COMMIT)
      await sql.unsafe(`alter database "${name}" set synchronous_commit = off`);
    if (process.env.BENCH_LOG_STATEMENTS)
      await sql.unsafe(`alter database "${name}" set log_min_duration_statement = 0`);
    // Flush what the copy wrote now, so the checkpointer's writes do not land in a measurement.
    await sql.unsafe("checkpoint");
  } finally {
    await sql.end();
  }
  const url = dbUrl(name);
  // The pool a `prode worker` gets (openDb's default) unless BENCH_POOL says otherwise.
  const maxConnections =
    options.maxConnections ?? (process.env.BENCH_POOL ? Number(process.env.BENCH_POOL) : undefined);
  const handle = openDb({
    databaseUrl: url,
    ...(maxConnections === undefined ? {} : { maxConnections }),
  });
  return {
    ...handle,
    url,
    async drop() {
      await handle.close();
      const a = admin();
      try {
        await a.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await a.end();
      }
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
