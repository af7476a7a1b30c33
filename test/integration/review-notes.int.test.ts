import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, effects, runs } from "../../src/db/schema.ts";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import { killSwitchCheck } from "../../src/policy/kill-switch-check.ts";
import { engage, release } from "../../src/policy/kill-switches.ts";
import { effectKey } from "../../src/runner/effects.ts";
import {
  postPendingReviewNotes,
  queueReviewNote,
  type ReviewNote,
  type ReviewNoteSink,
  reviewNoteEffectName,
} from "../../src/runner/review-notes.ts";
import { createRun } from "../../src/runner/runs.ts";
import { type TestDb, useTestDb } from "../setup/db.ts";
import { quietLog } from "../setup/runner.ts";

/**
 * The reconciler's review-note pass (src/runner/review-notes.ts) against real Postgres,
 * with the Slack side replaced by a recording sink: each queued note is posted once
 * through the effect ledger, a step's lease is never taken, a kill switch holds notes
 * back, a run with no thread settles its note, and a retry after a post that may have
 * landed looks it up instead of posting again.
 */

const note = (id: number): ReviewNote => ({
  ref: `review.${id}`,
  kind: "review",
  pr: { number: 7 },
  login: "ana",
  state: "approved",
  body: "LGTM",
  url: `https://github.com/acme/api/pull/7#pullrequestreview-${id}`,
});

/** A sink that records posts; `fail` makes the next post throw after Slack "took" it. */
function recordingSink(options: { thread?: boolean } = {}) {
  const posted: string[] = [];
  const looked: string[] = [];
  let failNext = false;
  const sink: ReviewNoteSink = {
    async deliveryFor(_run, n) {
      if (options.thread === false) return null;
      return {
        capability: "slack_post",
        perform: async () => {
          posted.push(n.ref);
          if (failNext) {
            failNext = false;
            throw new AppError(ErrorCode.Timeout, "Slack did not answer in time", {
              retryable: true,
            });
          }
          return { externalId: `C1/${posted.length}`, result: { ts: String(posted.length) } };
        },
        reconcile: async () => {
          looked.push(n.ref);
          return posted.includes(n.ref) ? { externalId: "C1/found", result: null } : null;
        },
      };
    },
  };
  return {
    sink,
    posted,
    looked,
    failOnce() {
      failNext = true;
    },
  };
}

describe("posting queued review notes", () => {
  let t: TestDb;
  useTestDb((db) => {
    t = db;
  });

  /** A run standing at `phase` (set directly: the path there is not what is tested). */
  async function runAt(ticket: string, phase: "AWAIT_HUMAN_REVIEW" | "LINEAR_HANDOFF") {
    const { run } = await createRun(
      { db: t.db, enqueue: async () => {} },
      { ticket, trigger: "test" },
    );
    const [at] = await t.db.update(runs).set({ phase }).where(eq(runs.id, run.id)).returning();
    return at!;
  }

  const pass = (sink: ReviewNoteSink) =>
    postPendingReviewNotes({
      db: t.db,
      log: quietLog,
      workerId: "reconciler@w1",
      sink,
      killSwitch: killSwitchCheck(t.db),
    });

  const statusOf = async (runId: string, ref: string) =>
    (
      await t.db
        .select()
        .from(effects)
        .where(eq(effects.key, effectKey(runId, reviewNoteEffectName(ref))))
    )[0];

  it("a note queued twice is posted once, and the run's lease is released after", async () => {
    const run = await runAt("ENG-1501", "AWAIT_HUMAN_REVIEW");
    expect(await queueReviewNote(t.db, run, note(1))).toBe(true);
    expect(await queueReviewNote(t.db, run, note(1))).toBe(false);
    const s = recordingSink();
    expect(await pass(s.sink)).toBe(1);
    expect(await pass(s.sink)).toBe(0);
    expect(s.posted).toEqual(["review.1"]);
    // Never attempted before: no lookup was spent on it.
    expect(s.looked).toEqual([]);
    expect((await statusOf(run.id, "review.1"))?.status).toBe("done");
    const [after] = await t.db.select().from(runs).where(eq(runs.id, run.id));
    expect(after?.leaseOwner).toBeNull();
    expect(after?.phase).toBe("AWAIT_HUMAN_REVIEW");
  });

  it("a run whose step holds its lease is left alone; its note waits for the step", async () => {
    const run = await runAt("ENG-1502", "LINEAR_HANDOFF");
    await t.db
      .update(runs)
      .set({ leaseOwner: "w2", leaseExpiresAt: sql`now() + interval '1 minute'` })
      .where(eq(runs.id, run.id));
    await queueReviewNote(t.db, run, note(2));
    const s = recordingSink();
    expect(await pass(s.sink)).toBe(0);
    // Not leased even once free: the step's job may come for it any moment.
    await t.db
      .update(runs)
      .set({ leaseOwner: null, leaseExpiresAt: null })
      .where(eq(runs.id, run.id));
    expect(await pass(s.sink)).toBe(0);
    // Once the run has ended, nothing else wants its lease.
    await t.db
      .update(runs)
      .set({ outcome: "CANNOT_AUTO_FIX", endedAt: new Date() })
      .where(eq(runs.id, run.id));
    expect(await pass(s.sink)).toBe(1);
    expect(s.posted).toEqual(["review.2"]);
  });

  it("a kill switch on slack_post holds notes back until it is released", async () => {
    const run = await runAt("ENG-1503", "AWAIT_HUMAN_REVIEW");
    await queueReviewNote(t.db, run, note(3));
    await engage(t.db, "capability", "slack_post", { actor: "U_ADMIN", reason: "storm" });
    const s = recordingSink();
    expect(await pass(s.sink)).toBe(0);
    expect((await statusOf(run.id, "review.3"))?.status).toBe("pending");
    await release(t.db, "capability", "slack_post", { actor: "U_ADMIN" });
    expect(await pass(s.sink)).toBe(1);
    expect(s.posted).toEqual(["review.3"]);
  });

  it("after a post that may have landed, the retry finds it instead of posting again", async () => {
    const run = await runAt("ENG-1504", "AWAIT_HUMAN_REVIEW");
    await queueReviewNote(t.db, run, note(4));
    const s = recordingSink();
    s.failOnce();
    expect(await pass(s.sink)).toBe(0);
    expect((await statusOf(run.id, "review.4"))?.attempts).toBe(1);
    expect(await pass(s.sink)).toBe(0);
    expect(s.posted).toEqual(["review.4"]);
    expect(s.looked).toEqual(["review.4"]);
    expect((await statusOf(run.id, "review.4"))?.status).toBe("done");
  });

  it("a run with no thread settles its note as skipped, audited, and offers it no more", async () => {
    const run = await runAt("ENG-1505", "AWAIT_HUMAN_REVIEW");
    await queueReviewNote(t.db, run, note(5));
    const s = recordingSink({ thread: false });
    expect(await pass(s.sink)).toBe(0);
    const row = await statusOf(run.id, "review.5");
    expect(row).toMatchObject({
      status: "done",
      result: { skipped: "the run has no Slack thread" },
    });
    const audit = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.runId, run.id), eq(auditEvents.type, "effect.skipped")));
    expect(audit).toHaveLength(1);
  });
});
