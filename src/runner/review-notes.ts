import { and, asc, eq, inArray, like, or, type SQL, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { appendAudit } from "../audit/audit.ts";
import type { Db } from "../db/client.ts";
import { effects, runs } from "../db/schema.ts";
import { asAppError, ErrorCode } from "../domain/errors.ts";
import { WAIT_PHASES } from "../domain/phases.ts";
import { effectKey, performEffect } from "./effects.ts";
import { runScope } from "./engine.ts";
import type { EffectSpec, KillSwitchCheck, RunRow } from "./types.ts";

/**
 * A human's review or review comment on a run's PR, shown once in the run's Slack thread
 * (issue 15, delivery part 2). The GitHub webhook answers within GitHub's 10 s and posts
 * nothing itself: in the transaction that records the delivery it queues the note as a
 * pending entry of the effect ledger, keyed by the run and GitHub's id of the review or
 * comment ({@link queueReviewNote}). The worker's reconciler then posts each pending note
 * through {@link performEffect} ({@link postPendingReviewNotes}), as a phase posts its
 * milestones: a redelivery, a replay under a new delivery id, or an `edited` event about
 * the same review finds the entry and adds nothing; a crash after Slack took the post is
 * settled by looking the reply up in the thread (its message metadata) before posting again.
 */

/** A queued note: the pending effect's `result` until it is posted (then the message ref). */
export interface ReviewNote {
  /** `review.<id>` or `comment.<id>` (GitHub's id): one note per review or comment. */
  ref: string;
  kind: "review" | "comment";
  pr: { number: number; url?: string };
  /** The reviewer's GitHub login. */
  login: string;
  /** A review's state, lower case (`approved`, `changes_requested`, `commented`). */
  state?: string;
  path?: string;
  line?: number;
  startLine?: number;
  /** What they wrote, capped and redacted before it is stored; redacted again at egress. */
  body: string;
  /** The review or comment on GitHub. */
  url: string;
  at?: string;
}

/** The ledger name prefix of review notes; the name ends with the note's ref. */
export const REVIEW_NOTE_EFFECT_PREFIX = "slack.pr-review.";

export function reviewNoteEffectName(ref: string): string {
  return `${REVIEW_NOTE_EFFECT_PREFIX}${ref}`;
}

/**
 * Queues the note for the run, inside the caller's transaction; false when a note for
 * the same review or comment was queued (or posted) before.
 */
export async function queueReviewNote(
  db: Db,
  run: Pick<RunRow, "id" | "fencing">,
  note: ReviewNote,
): Promise<boolean> {
  const name = reviewNoteEffectName(note.ref);
  const inserted = await db
    .insert(effects)
    .values({
      key: effectKey(run.id, name),
      runId: run.id,
      name,
      status: "pending",
      fencing: run.fencing,
      result: note as never,
    })
    .onConflictDoNothing()
    .returning({ key: effects.key });
  return inserted.length === 1;
}

/** A pending entry's result read back: a note as {@link queueReviewNote} stored it. */
function isReviewNote(value: unknown): value is ReviewNote {
  const v = value as Partial<ReviewNote> | null;
  return (
    typeof v?.ref === "string" &&
    (v.kind === "review" || v.kind === "comment") &&
    typeof v.login === "string" &&
    typeof v.body === "string" &&
    typeof v.url === "string" &&
    typeof v.pr?.number === "number"
  );
}

/** How a note reaches the run's thread (the Slack side implements it). */
export interface ReviewNoteSink {
  /**
   * The post and its remote lookup for this note, or null when the run has no thread to
   * reply in (its note is then settled as skipped).
   */
  deliveryFor(
    run: RunRow,
    note: ReviewNote,
  ): Promise<Pick<
    EffectSpec<unknown>,
    "capability" | "perform" | "reconcile" | "inFlightMs"
  > | null>;
}

export interface ReviewNoteDeps {
  db: Db;
  log: Logger;
  /** Who leases a run while its notes are posted. */
  workerId: string;
  sink: ReviewNoteSink;
  killSwitch?: KillSwitchCheck;
  /** How long a run is leased while its notes are posted. Default 30 s. */
  leaseMs?: number;
  /** Notes looked at per pass. Default 50. */
  batchSize?: number;
  /** No further run is started after this much of a pass. Default 10 s. */
  passBudgetMs?: number;
}

/**
 * The runs whose lease a note may take without holding up a step: ended runs, runs in a
 * wait phase (no job), and runs whose next step is due well after the lease ends (the
 * monitor's re-checks). A step's job that found the run leased would be dropped until the
 * reconciler gave it a new one; these have no job that could come meanwhile.
 */
function leasable(leaseMs: number): SQL {
  return and(
    sql`(${runs.leaseOwner} is null or ${runs.leaseExpiresAt} < now())`,
    or(
      sql`${runs.outcome} is not null`,
      inArray(runs.phase, [...WAIT_PHASES]),
      sql`${runs.wakeAt} > now() + ${leaseMs + 5_000}::int * interval '1 millisecond'`,
    ),
  ) as SQL;
}

/** Posts the pending notes of each leasable run, oldest first; returns how many were posted. */
export async function postPendingReviewNotes(deps: ReviewNoteDeps): Promise<number> {
  const started = Date.now();
  const leaseMs = deps.leaseMs ?? 30_000;
  const rows = await deps.db
    .select({ runId: effects.runId })
    .from(effects)
    .innerJoin(runs, eq(runs.id, effects.runId))
    .where(
      and(
        eq(effects.status, "pending"),
        like(effects.name, `${REVIEW_NOTE_EFFECT_PREFIX}%`),
        leasable(leaseMs),
      ),
    )
    .orderBy(asc(effects.createdAt))
    .limit(deps.batchSize ?? 50);
  const runIds = [...new Set(rows.map((r) => r.runId))];
  let posted = 0;
  for (const runId of runIds) {
    if (Date.now() - started > (deps.passBudgetMs ?? 10_000)) break;
    posted += await postRunNotes(deps, runId, leaseMs);
  }
  return posted;
}

/** Leases the run, posts its pending notes in order, releases it. */
async function postRunNotes(deps: ReviewNoteDeps, runId: string, leaseMs: number) {
  const [run] = await deps.db
    .update(runs)
    .set({
      leaseOwner: deps.workerId,
      leaseExpiresAt: sql`now() + ${leaseMs}::int * interval '1 millisecond'`,
      fencing: sql`${runs.fencing} + 1`,
    })
    .where(and(eq(runs.id, runId), leasable(leaseMs)))
    .returning();
  if (!run) return 0;
  const log = deps.log.child({ runId, ticket: run.ticket });
  let posted = 0;
  try {
    // Read again under the lease: an attempt counted since the scan must be reconciled.
    const pending = await deps.db
      .select()
      .from(effects)
      .where(
        and(
          eq(effects.runId, runId),
          eq(effects.status, "pending"),
          like(effects.name, `${REVIEW_NOTE_EFFECT_PREFIX}%`),
        ),
      )
      .orderBy(asc(effects.createdAt));
    for (const row of pending) {
      const note = row.result;
      if (!isReviewNote(note)) {
        await settleSkipped(deps, run, row.key, row.name, "the queued note is unreadable");
        continue;
      }
      const delivery = await deps.sink.deliveryFor(run, note);
      if (!delivery) {
        await settleSkipped(deps, run, row.key, row.name, "the run has no Slack thread");
        continue;
      }
      const { reconcile, ...rest } = delivery;
      const outcome = await performEffect(
        deps.db,
        { runId, fencing: run.fencing, workerId: deps.workerId, scope: runScope(run) },
        {
          name: row.name,
          ...rest,
          // Never attempted: nothing can be in the thread yet, so no lookup is spent on it.
          ...(row.attempts > 0 && reconcile ? { reconcile } : {}),
        },
        deps.killSwitch,
      );
      if (!outcome.reused) posted += 1;
    }
  } catch (error) {
    const e = asAppError(error);
    // The rest waits for a later pass, in order: a kill switch, a throttled or down Slack.
    const level = e.code === ErrorCode.KillSwitchEngaged ? "info" : "warn";
    log[level]({ err: e, code: e.code }, "review notes not all posted yet; will retry");
  } finally {
    await deps.db
      .update(runs)
      .set({ leaseOwner: null, leaseExpiresAt: null })
      .where(and(eq(runs.id, runId), eq(runs.fencing, run.fencing)))
      .catch((error: unknown) => log.warn({ err: error }, "could not release the run"));
  }
  if (posted > 0) log.info({ posted }, "review notes posted in the thread");
  return posted;
}

/** A note with nowhere to go is settled, audited, so it is not looked at again. */
async function settleSkipped(
  deps: ReviewNoteDeps,
  run: RunRow,
  key: string,
  name: string,
  reason: string,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const done = await tx
      .update(effects)
      .set({ status: "done", externalId: "", result: { skipped: reason }, updatedAt: new Date() })
      .where(and(eq(effects.key, key), eq(effects.status, "pending")))
      .returning({ key: effects.key });
    if (done.length === 0) return;
    await appendAudit(tx, {
      runId: run.id,
      type: "effect.skipped",
      actor: deps.workerId,
      payload: { name, reason },
    });
  });
}
