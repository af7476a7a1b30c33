import { pathToFileURL } from "node:url";
import { sql } from "drizzle-orm";
import type { Db } from "../../../src/db/client.ts";
import { openDb } from "../../../src/db/client.ts";
import { createPhaseQueue, createRedis } from "../../../src/runner/queue.ts";
import type { PhaseHandlers } from "../../../src/runner/types.ts";
import { startPhaseWorker } from "../../../src/runner/worker.ts";
import { FAST_TIMING, quietLog } from "../runner.ts";

/**
 * Handlers whose IMPLEMENT phase performs two external effects against a stand-in
 * "remote system" (the table test_external). With `hang`, the second effect's perform
 * writes remotely, says READY on stdout and never returns: the process is then killed
 * with SIGKILL between the remote write and the ledger's "done".
 */
export function crashHandlers(db: Db, options: { hang: boolean }): PhaseHandlers {
  const remote = (key: string) => async () => {
    await db.execute(sql`insert into test_external (key) values (${key})`);
    return { externalId: key, result: null };
  };
  const lookup = (key: string) => async () => {
    const rows = await db.execute(sql`select key from test_external where key = ${key}`);
    return (rows as unknown as unknown[]).length > 0 || (rows as { rows?: unknown[] }).rows?.length
      ? { externalId: key, result: null }
      : null;
  };
  return {
    LINEAR_HANDOFF: async () => ({ next: "WRITE_CANDIDATE_LEARNING" }),
    IMPLEMENT: async (ctx) => {
      await ctx.effect({
        name: "remote.a",
        capability: "test",
        perform: remote("a"),
        reconcile: lookup("a"),
      });
      await ctx.effect({
        name: "remote.b",
        capability: "test",
        perform: async () => {
          const done = await remote("b")();
          if (options.hang) {
            process.stdout.write("READY\n");
            await new Promise(() => {}); // killed here
          }
          return done;
        },
        reconcile: lookup("b"),
      });
      return {};
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [databaseUrl, redisUrl, prefix] = process.argv.slice(2) as [string, string, string];
  const handle = openDb({ databaseUrl, maxConnections: 4 });
  const queue = createPhaseQueue(createRedis(redisUrl), prefix);
  startPhaseWorker(
    {
      db: handle.db,
      log: quietLog,
      workerId: "doomed",
      handlers: crashHandlers(handle.db, { hang: true }),
      timing: FAST_TIMING,
      enqueue: (data) => queue.enqueue(data),
    },
    {
      connection: createRedis(redisUrl),
      prefix,
      concurrency: 1,
      lockDurationMs: 2_000,
      stalledIntervalMs: 1_000,
    },
  );
  process.stdout.write("STARTED\n");
}
