import { fileURLToPath } from "node:url";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createApproval } from "../../src/approvals/create.ts";
import { verifyAudit } from "../../src/audit/audit.ts";
import { approvals, auditEvents, auditHeads, runs } from "../../src/db/schema.ts";
import { loadPolicy } from "../../src/policy/load.ts";
import { reconcileOnce } from "../../src/runner/reconciler.ts";
import { createRun } from "../../src/runner/runs.ts";
import type { TestDb } from "../setup/db.ts";
import { quietLog, runRow, type TestRunner, useTestRunner } from "../setup/runner.ts";

/**
 * The reconciler's changes commit with their audit events in one statement each
 * (src/runner/reconciler-statements.ts): every reclaimed lease and expired approval has
 * exactly one event, the chains stay valid, and a row whose event cannot be written is
 * not changed.
 */
describe("reconciler changes and their audit events", () => {
  let t: TestDb;
  let r: TestRunner;
  useTestRunner((db, runner) => {
    t = db;
    r = runner;
  });

  const pass = () =>
    reconcileOnce({ db: t.db, queue: r.queue, log: quietLog, actor: "reconciler" });

  async function newRun(ticket: string) {
    return (await createRun({ db: t.db, enqueue: async () => {} }, { ticket, trigger: "test" }))
      .run;
  }

  /** Leases the run to `owner`, expiring `inMs` from now (negative: already expired). */
  async function lease(id: string, owner: string, inMs: number) {
    await t.db
      .update(runs)
      .set({
        leaseOwner: owner,
        leaseExpiresAt: sql`now() + ${inMs} * interval '1 millisecond'`,
        fencing: sql`${runs.fencing} + 1`,
      })
      .where(eq(runs.id, id));
  }

  /**
   * A pending production write for the run, asked `agoMin` minutes ago (the repository's
   * policy expires it after 30 minutes).
   */
  async function approval(runId: string, agoMin: number) {
    return createApproval(
      t.db,
      await loadPolicy(fileURLToPath(new URL("../../policy", import.meta.url))),
      {
        runId,
        action: "production_write",
        detail: "update t set x = 1",
        risk: "low",
        rollback: "none",
        requester: "prode",
      },
      new Date(Date.now() - agoMin * 60_000),
    );
  }

  const eventsOf = (type: string) =>
    t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.type, type))
      .orderBy(asc(auditEvents.chain), asc(auditEvents.seq));

  it("reclaims expired leases and expires approvals, each with exactly one event, the chains intact", async () => {
    const expired = await Promise.all(["ENG-1", "ENG-2", "ENG-3"].map(newRun));
    for (const run of expired) await lease(run.id, "zombie", -1_000);
    const live = await newRun("ENG-4");
    await lease(live.id, "worker", 60_000);
    const before = new Map(
      await Promise.all(expired.map(async (run) => [run.id, await runRow(t, run.id)] as const)),
    );

    // Two due on one run (one event per chain and statement: two statements), one on
    // another, and one not due yet.
    const due = [
      await approval(live.id, 60),
      await approval(live.id, 45),
      await approval(expired[0]!.id, 31),
    ];
    const fresh = await approval(expired[1]!.id, 5);

    // Two reconcilers at once: each change is made, and audited, once.
    const reports = await Promise.all([pass(), pass()]);
    expect(reports.reduce((n, x) => n + x.leasesReclaimed, 0)).toBe(3);
    expect(reports.reduce((n, x) => n + x.approvalsExpired, 0)).toBe(3);

    for (const run of expired) {
      const now = await runRow(t, run.id);
      expect(now).toMatchObject({ leaseOwner: null, leaseExpiresAt: null });
      expect(now.fencing).toBe(before.get(run.id)!.fencing + 1);
    }
    expect(await runRow(t, live.id)).toMatchObject({ leaseOwner: "worker" });
    const reclaimed = await eventsOf("lease.reclaimed");
    expect(reclaimed.map((e) => [e.runId, e.actor, e.payload]).sort()).toEqual(
      expired.map((run) => [run.id, "reconciler", { phase: "QUEUED", seq: 0 }]).sort(),
    );

    const rows = await t.db
      .select()
      .from(approvals)
      .where(inArray(approvals.id, [...due.map((a) => a.id), fresh.id]));
    const statusOf = new Map(rows.map((a) => [a.id, a.status]));
    for (const a of due) expect(statusOf.get(a.id)).toBe("expired");
    expect(statusOf.get(fresh.id)).toBe("pending");
    const expiredEvents = await eventsOf("approval.expired");
    expect(expiredEvents.map((e) => e.payload.approvalId).sort()).toEqual(
      due.map((a) => a.id).sort(),
    );
    for (const e of expiredEvents) {
      expect(e.runId).toBe(due.find((a) => a.id === e.payload.approvalId)!.runId);
    }

    const audit = await verifyAudit(t.db);
    expect(audit.breaks).toEqual([]);
    expect(audit.ok).toBe(true);

    // A second pass finds nothing left to change and writes nothing.
    const count = async () => (await t.db.select().from(auditEvents)).length;
    const events = await count();
    expect(await pass()).toMatchObject({ leasesReclaimed: 0, approvalsExpired: 0 });
    expect(await count()).toBe(events);
  });

  it("changes no row whose audit event cannot be written", async () => {
    const run = await newRun("ENG-5");
    await lease(run.id, "zombie", -1_000);
    const a = await approval(run.id, 60);
    // A chain with no head cannot take the event: the run and approval stay as they are.
    await t.db.delete(auditHeads).where(eq(auditHeads.chain, `run:${run.id}`));
    const before = await runRow(t, run.id);

    expect(await pass()).toMatchObject({ leasesReclaimed: 0, approvalsExpired: 0 });
    expect(await runRow(t, run.id)).toEqual(before);
    const [still] = await t.db.select().from(approvals).where(eq(approvals.id, a.id));
    expect(still?.status).toBe("pending");
    const written = await t.db
      .select()
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.runId, run.id),
          inArray(auditEvents.type, ["lease.reclaimed", "approval.expired"]),
        ),
      );
    expect(written).toEqual([]);
  });
  it("moves a run left waiting for nothing: a decision committed, the process gone before it moved the run", async () => {
    /** A run waiting in AWAIT_APPROVAL (to resume at CREATE_WORKTREE) with its approvals. */
    async function waiting(ticket: string, statuses: string[]) {
      const run = await newRun(ticket);
      await t.db
        .update(runs)
        .set({ phase: "AWAIT_APPROVAL", resumePhase: "CREATE_WORKTREE" })
        .where(eq(runs.id, run.id));
      for (const status of statuses) {
        const a = await approval(run.id, 1);
        await t.db
          .update(approvals)
          .set({ status: status as "pending" })
          .where(eq(approvals.id, a.id));
      }
      return run;
    }
    const rejected = await waiting("ENG-11", ["approved", "rejected"]);
    const approved = await waiting("ENG-12", ["approved", "approved"]);
    const pending = await waiting("ENG-13", ["approved", "pending"]);
    expect(await pass()).toMatchObject({ waitingSettled: 2 });
    expect(await runRow(t, rejected.id)).toMatchObject({
      phase: "LINEAR_HANDOFF",
      pendingOutcome: "APPROVAL_REQUIRED",
    });
    expect(await runRow(t, approved.id)).toMatchObject({ phase: "CREATE_WORKTREE" });
    expect(await runRow(t, pending.id)).toMatchObject({ phase: "AWAIT_APPROVAL" });
    expect(await pass()).toMatchObject({ waitingSettled: 0 });
    expect((await verifyAudit(t.db)).ok).toBe(true);
  });
});
