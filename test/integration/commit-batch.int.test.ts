import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { verifyAudit } from "../../src/audit/audit.ts";
import { phaseTransitions } from "../../src/db/schema.ts";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import { CommitBatcher } from "../../src/runner/commit-batcher.ts";
import { createRun } from "../../src/runner/runs.ts";
import { commitTransitions } from "../../src/runner/transition.ts";
import type { RunRow } from "../../src/runner/types.ts";
import { type TestDb, useTestDb } from "../setup/db.ts";
import { runRow, transitionsOf } from "../setup/runner.ts";

/** ADR 0011: transitions of several runs commit in one statement, each on its own terms. */
describe("batched transition commits", () => {
  let t: TestDb;
  useTestDb((db) => {
    t = db;
  });

  async function newRuns(n: number): Promise<RunRow[]> {
    const out: RunRow[] = [];
    for (let i = 0; i < n; i += 1) {
      out.push(
        (await createRun({ db: t.db, enqueue: async () => {} }, { ticket: `B-${i}`, trigger: "t" }))
          .run,
      );
    }
    return out;
  }
  const step = (run: RunRow) => ({
    run,
    to: "PRECHECK" as const,
    actor: "w",
    description: "QUEUED done",
  });
  it("commits each run of a batch, and a stale request fails alone", async () => {
    const [a, b, c] = await newRuns(3);
    // c moved on since it was read: its request is stale.
    await commitTransitions(t.db, [step(c!)]);
    const results = await commitTransitions(t.db, [
      step(a!),
      { ...step(b!), patch: { team: "payments" } },
      step(c!),
    ]);
    expect(results[0]).toMatchObject({ id: a!.id, phase: "PRECHECK", seq: 1 });
    expect(results[1]).toMatchObject({ id: b!.id, context: { team: "payments" } });
    expect(results[2]).toBeInstanceOf(AppError);
    expect((results[2] as AppError).code).toBe(ErrorCode.StaleFencing);
    expect(await transitionsOf(t, c!.id)).toHaveLength(1);
    const audit = await verifyAudit(t.db);
    expect(audit.ok).toBe(true);
    expect(audit.events).toBe(3 + 3); // run.created ×3, then a, b and c's first move
  });

  it("refuses an illegal transition before sending, and commits the rest", async () => {
    const [a, b] = await newRuns(2);
    const results = await commitTransitions(t.db, [
      step(a!),
      { ...step(b!), to: "OPEN_PR" as const },
    ]);
    expect(results[0]).toMatchObject({ phase: "PRECHECK" });
    expect((results[1] as AppError).code).toBe(ErrorCode.IllegalTransition);
    const bNow = await runRow(t, b!.id);
    expect(bNow!.phase).toBe("QUEUED");
  });

  it("the batcher sends concurrent commits together, one run per batch at most", async () => {
    const many = await newRuns(12);
    const batcher = new CommitBatcher(t.db, { maxInFlight: 1 });
    const first = many[0]!;
    const settled = await Promise.allSettled([
      ...many.map((run) => batcher.commit(step(run))),
      batcher.commit(step(first)), // the same step again: a later batch, and stale there
    ]);
    expect(settled.slice(0, 12).every((s) => s.status === "fulfilled")).toBe(true);
    const again = settled[12]!;
    expect(again.status === "rejected" && (again.reason as AppError).code).toBe(
      ErrorCode.StaleFencing,
    );
    expect(batcher.stats.transitions).toBe(13);
    expect(batcher.stats.statements).toBeLessThan(13);
    expect(batcher.stats.statements).toBeGreaterThanOrEqual(2);
    expect((await verifyAudit(t.db)).ok).toBe(true);
  });

  it("a batch whose statement fails is committed one by one, so only the bad request fails", async () => {
    const [a, b, c] = await newRuns(3);
    // b's next transition row already exists: its insert violates the unique (run, seq).
    await t.db.insert(phaseTransitions).values({
      runId: b!.id,
      seq: 1,
      fromState: "QUEUED",
      toState: "PRECHECK",
      fencing: 0,
      worker: "someone",
    });
    const batcher = new CommitBatcher(t.db, { maxInFlight: 1 });
    const settled = await Promise.allSettled([a, b, c].map((run) => batcher.commit(step(run!))));
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const bNow = await runRow(t, b!.id);
    expect(bNow!.phase).toBe("QUEUED"); // nothing of b committed
    expect((await verifyAudit(t.db)).ok).toBe(true);
  });

  it("does not deadlock with a writer that holds one of its runs and then takes its head", async () => {
    const [r0, r1] = await newRuns(2);
    const [low, high] = r0!.id < r1!.id ? [r0!, r1!] : [r1!, r0!];
    // A single commit (stopRun, an approval) locks its run, then its chain's head.
    const single = postgres(t.url, { max: 1, onnotice: () => {} });
    try {
      await single`begin`;
      await single`update runs set updated_at = now() where id = ${low.id}`;
      const batch = commitTransitions(t.db, [step(high), step(low)]);
      await new Promise((r) => setTimeout(r, 300)); // the batch now waits on the run
      await single`select seq from audit_heads where chain = ${`run:${low.id}`} for update`;
      await single`commit`;
      const results = await batch;
      expect(results.map((r) => (r instanceof AppError ? r.code : r.phase))).toEqual([
        "PRECHECK",
        "PRECHECK",
      ]);
    } finally {
      await single.end();
    }
  });
});
