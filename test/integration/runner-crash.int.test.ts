import { spawn } from "node:child_process";
import { asc, eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verifyAudit } from "../../src/audit/audit.ts";
import { effects, phaseTransitions } from "../../src/db/schema.ts";
import { createRun } from "../../src/runner/engine.ts";
import { startReconciler } from "../../src/runner/reconciler.ts";
import { crashHandlers } from "../fixtures/crash-worker.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { TEST_REDIS_URL } from "../setup/env.ts";
import {
  createTestRunner,
  hasEnded,
  quietLog,
  type TestRunner,
  waitForRun,
} from "../setup/runner.ts";

describe("a worker process killed mid-phase", () => {
  let t: TestDb;
  let r: TestRunner;
  let child: ReturnType<typeof spawn> | undefined;
  beforeEach(async () => {
    t = await createTestDb();
    r = createTestRunner(t);
    await t.db.execute(
      sql`create table test_external (key text not null, at timestamptz default now())`,
    );
  });
  afterEach(async () => {
    child?.kill("SIGKILL");
    await r.close();
    await t.drop();
  });

  it("is resumed by another worker after its lease expires, and no effect is performed twice", async () => {
    child = spawn(
      process.execPath,
      ["--import", "tsx", "test/fixtures/crash-worker.ts", t.url, TEST_REDIS_URL, r.prefix],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    const proc = child;
    const ready = new Promise<void>((resolve, reject) => {
      proc.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("READY")) resolve();
      });
      proc.on("exit", (code) => reject(new Error(`worker exited early (${code}): ${out}`)));
    });
    await new Promise<void>((resolve) => proc.stdout?.once("data", () => resolve()));
    const { run } = await createRun(
      { db: t.db, enqueue: r.queue.enqueue },
      { ticket: "ENG-KILL", trigger: "test" },
    );
    await ready;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGKILL");
    await exited;

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
