import { sql } from "drizzle-orm";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { asAppError } from "../../src/domain/errors.ts";
import { PHASES } from "../../src/domain/phases.ts";
import { startReconciler } from "../../src/runner/reconciler.ts";
import { createRun } from "../../src/runner/runs.ts";
import type { PhaseContext, PhaseHandlers } from "../../src/runner/types.ts";
import type { TestDb } from "../setup/db.ts";
import { TEST_ADMIN_URL } from "../setup/env.ts";
import { hasEnded, quietLog, type TestRunner, useTestRunner, waitForRun } from "../setup/runner.ts";

/**
 * Postgres dropping every connection of running workers (a restart, a failover, an
 * administrator's pg_terminate_backend): the lost statements are retryable, the workers
 * keep going, and every run completes; none ends FAILED (issue 17.3, 17.4).
 */
describe("Postgres drops the connections of running workers", () => {
  let t: TestDb;
  let r: TestRunner;
  useTestRunner((db, runner) => {
    t = db;
    r = runner;
  });

  /** Every phase reads the database for a moment, so terminations hit statements in flight. */
  function dbHandlers(): PhaseHandlers {
    const phase = async (ctx: PhaseContext) => {
      await ctx.db.execute(sql`select pg_sleep(0.02)`);
      return ctx.phase === "LINEAR_HANDOFF" ? { next: "WRITE_CANDIDATE_LEARNING" as const } : {};
    };
    return Object.fromEntries(PHASES.map((p) => [p, phase]));
  }

  /** Terminates every backend connected to the test's database; returns how many. */
  async function terminateBackends(): Promise<number> {
    const admin = postgres(TEST_ADMIN_URL, { max: 1, onnotice: () => {} });
    try {
      const rows = await admin`
        select pg_terminate_backend(pid) as done from pg_stat_activity
        where datname = ${t.name} and pid <> pg_backend_pid()`;
      return rows.filter((row) => row.done).length;
    } finally {
      await admin.end({ timeout: 1 });
    }
  }

  async function retrying<T>(read: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await read();
      } catch (error) {
        if (!asAppError(error).retryable || attempt >= 5) throw error;
      }
    }
  }

  it("terminated backends mid-run: the workers reconnect and every run completes", async () => {
    r.startWorker("w1", dbHandlers());
    r.startWorker("w2", dbHandlers());
    const reconciler = startReconciler(
      { db: t.db, queue: r.queue, log: quietLog, actor: "reconciler" },
      300,
    );
    try {
      const ids: string[] = [];
      for (let i = 0; i < 12; i += 1) {
        const { run } = await createRun(
          { db: t.db, enqueue: r.queue.enqueue },
          { ticket: `ENG-PG${i}`, trigger: "test" },
        );
        ids.push(run.id);
      }
      let terminated = 0;
      for (let round = 0; round < 4; round += 1) {
        await new Promise((res) => setTimeout(res, 250));
        terminated += await terminateBackends();
      }
      expect(terminated).toBeGreaterThan(0);
      // The test's own reads share the pool whose connections were terminated: retry them.
      const ended = await Promise.all(
        ids.map((id) => retrying(() => waitForRun(t, id, hasEnded, 45_000))),
      );
      expect(ended.map((run) => [run.ticket, run.outcome, run.error])).toEqual(
        ended.map((run) => [run.ticket, "RUN_COMPLETE", null]),
      );
    } finally {
      await reconciler.stop();
    }
  }, 90_000);
});
