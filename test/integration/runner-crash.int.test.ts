import type { ChildProcess } from "node:child_process";
import { asc, eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verifyAudit } from "../../src/audit/audit.ts";
import { effects, phaseTransitions } from "../../src/db/schema.ts";
import { startReconciler } from "../../src/runner/reconciler.ts";
import { createRun } from "../../src/runner/runs.ts";
import type { TestDb } from "../setup/db.ts";
import { TEST_REDIS_URL } from "../setup/env.ts";
import { crashHandlers } from "../setup/processes/crash-worker.ts";
import { hasEnded, quietLog, type TestRunner, useTestRunner, waitForRun } from "../setup/runner.ts";
import { spawnFixture } from "../setup/worker-process.ts";

describe("a worker process killed mid-phase", () => {
  let t: TestDb;
  let r: TestRunner;
  let child: ChildProcess | undefined;
  useTestRunner((db, runner) => {
    t = db;
    r = runner;
  });
  beforeEach(async () => {
    await t.db.execute(
      sql`create table test_external (key text not null, at timestamptz default now())`,
    );
  });
  // Registered after the runner's hooks, so the child dies before they close the runner.
  afterEach(() => {
    child?.kill("SIGKILL");
  });

  it("is resumed by another worker after its lease expires, and no effect is performed twice", async () => {
    const w = spawnFixture("test/setup/processes/crash-worker.ts", [
      t.url,
      TEST_REDIS_URL,
      r.prefix,
    ]);
    child = w.child;
    await w.saw("STARTED");
    const { run } = await createRun(
      { db: t.db, enqueue: r.queue.enqueue },
      { ticket: "ENG-KILL", trigger: "test" },
    );
    await w.saw("READY");
    w.child.kill("SIGKILL");
    await w.exited;

    // Effect a completed; effect b wrote remotely but the ledger never heard back.
    const ledger = await t.db.select().from(effects).orderBy(asc(effects.name));
    expect(ledger.map((e) => [e.name, e.status])).toEqual([
      ["remote.a", "done"],
      ["remote.b", "pending"],
    ]);

    r.startWorker("survivor", crashHandlers(t.db, { hang: false }));
    const reconciler = startReconciler(
      { db: t.db, queue: r.queue, log: quietLog, actor: "reconciler" },
      500,
    );
    try {
      const done = await waitForRun(t, run.id, hasEnded, 30_000);
      expect(done.outcome).toBe("RUN_COMPLETE");
    } finally {
      await reconciler.stop();
    }

    const remote = await t.db.execute(
      sql`select key, count(*)::int as n from test_external group by key order by key`,
    );
    const rows = ((remote as { rows?: unknown[] }).rows ?? remote) as { key: string; n: number }[];
    expect(rows.map((x) => [x.key, x.n])).toEqual([
      ["a", 1],
      ["b", 1],
    ]);
    const implement = await t.db
      .select()
      .from(phaseTransitions)
      .where(eq(phaseTransitions.fromState, "IMPLEMENT"));
    expect(implement.map((x) => x.worker)).toEqual(["survivor"]);
    expect((await verifyAudit(t.db, { runId: run.id })).ok).toBe(true);
  }, 60_000);
});
