import { and, asc, eq, gt, isNull, lt, notInArray, or, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../db/client.ts";
import { approvals, runs } from "../db/schema.ts";
import { isPhase, type Phase, WAIT_PHASES } from "../domain/phases.ts";
import { type FailedHandoffDeps, handOffFailedRuns } from "./failed-handoffs.ts";
import { phaseJobId } from "./ids.ts";
import type { LeaseHandoffs } from "./lease-handoff.ts";
import type { PhaseQueue } from "./queue.ts";
import { expireApprovals, reclaimExpiredLeases } from "./reconciler-statements.ts";
import { advanceWaitingRun } from "./runs.ts";
import type { PhaseJobData, RunRow } from "./types.ts";

export interface ReconcilerDeps {
  db: Db;
  queue: PhaseQueue;
  log: Logger;
  actor: string;
  /** Runs examined per pass, oldest update first. */
  batchSize?: number;
  /**
   * The clock approvals and due steps are judged by: the one the phases created them
   * with and Slack checks clicks against (the simulated world's in the demo). Leases use
   * Postgres's.
   */
  now?: () => Date;
  /** Called for each approval that expired (the Slack surface updates its message). */
  onApprovalExpired?: (approvalId: string) => Promise<void>;
  /**
   * The leases this process's phase worker handed to its runs' next steps (ADR 0010).
   * A run handed a lease is not runnable by anyone else until the lease expires; if Redis
   * lost its job, the reconciler of the process holding the lease re-enqueues it now.
   */
  handoffs?: LeaseHandoffs;
  /** Writes the handoff of FAILED runs that could not write it (failed-handoffs.ts). */
  failedHandoffs?: FailedHandoffDeps;
  /** Removes worktrees of runs no longer delivering (src/delivery/orphans.ts); returns how many. */
  sweepWorktrees?: () => Promise<number>;
  /**
   * Reads the PR of every run in AWAIT_HUMAN_REVIEW (throttled) and moves the runs whose PR
   * was merged or closed without a webhook (src/runner/pr-watch.ts); returns how many.
   */
  watchPulls?: () => Promise<number>;
  /** Posts reviews queued for runs' Slack threads (src/runner/review-notes.ts); returns how many. */
  postReviewNotes?: () => Promise<number>;
}

export interface ReconcileReport {
  /** Jobs given to steps that had lost theirs, handed leases included. */
  reenqueued: number;
  leasesReclaimed: number;
  approvalsExpired: number;
  /** Runs in AWAIT_APPROVAL with nothing left pending, moved on (see settleWaitingRuns). */
  waitingSettled: number;
}

/** Active states with no job: the wait phases, and the completing phase. */
const NO_JOB_STATES = [...WAIT_PHASES, "RUN_COMPLETE"];
/** A job in one of these states waits for a worker; none holds its step yet. */
const QUEUED_JOB_STATES = new Set(["waiting", "delayed", "prioritized", "waiting-children"]);
/** A step whose job is in one of these states will run; others get a fresh job. */
const LIVE_JOB_STATES = new Set([
  "waiting",
  "active",
  "delayed",
  "prioritized",
  "waiting-children",
]);

/**
 * One pass of the reconciler: Postgres is the truth, the queue is rebuilt from it.
 * Reclaims expired leases (fencing out their holders), re-enqueues every runnable step
 * that has no live job (after a Redis flush or restart), and expires approvals.
 */
export async function reconcileOnce(deps: ReconcilerDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    reenqueued: 0,
    leasesReclaimed: 0,
    approvalsExpired: 0,
    waitingSettled: 0,
  };

  // Each change commits with its audit events in one statement (reconciler-statements.ts).
  // An expired lease whose step's job will still take it is not reclaimed (issue 17.7):
  // see jobWillTakeLease.
  const reclaimed = await reclaimExpiredLeases(deps.db, deps.actor, (lease) =>
    jobWillTakeLease(deps.queue, lease),
  );
  report.leasesReclaimed = reclaimed.length;

  const runnable = await deps.db
    .select({ id: runs.id, seq: runs.seq, phase: runs.phase, wakeAt: runs.wakeAt })
    .from(runs)
    .where(
      and(
        isNull(runs.outcome),
        notInArray(runs.phase, NO_JOB_STATES),
        or(isNull(runs.leaseOwner), lt(runs.leaseExpiresAt, sql`now()`)),
      ),
    )
    .orderBy(asc(runs.updatedAt))
    .limit(deps.batchSize ?? 1000);
  const now = (deps.now ?? (() => new Date()))();
  const steps: { step: PhaseJobData; handed?: RunRow; delayMs?: number }[] = [
    // A step due later (a re-check, ADR 0017) gets its delayed job back with the time
    // left, judged by the clock its phase set the due time with.
    ...runnable.map((run) => ({
      step: stepOf(run),
      delayMs: run.wakeAt ? Math.max(0, run.wakeAt.getTime() - now.getTime()) : 0,
    })),
    ...(await handedWithoutTaker(deps)).map((run) => ({
      step: { ...stepOf(run), lease: run.fencing },
      handed: run,
    })),
  ];
  for (const { step, handed, delayMs } of steps) {
    const jobId = phaseJobId(step.runId, step.seq);
    const state = await deps.queue.queue.getJobState(jobId);
    if (LIVE_JOB_STATES.has(state)) continue;
    // The step's new job adopts its lease in Postgres; a step a job took meanwhile is
    // running here and gets none.
    if (handed && !deps.handoffs?.withdraw(handed)) continue;
    if (state !== "unknown") await deps.queue.queue.remove(jobId).catch(() => {});
    await deps.queue.enqueue(step, delayMs ? { delayMs } : {});
    report.reenqueued += 1;
  }

  const expired = await expireApprovals(deps.db, deps.actor, (deps.now ?? (() => new Date()))());
  report.waitingSettled = await settleWaitingRuns(deps);
  for (const approval of expired) {
    await deps
      .onApprovalExpired?.(approval.id)
      .catch((error) =>
        deps.log.warn({ err: error, approvalId: approval.id }, "approval expiry hook failed"),
      );
  }
  report.approvalsExpired = expired.length;
  if (deps.failedHandoffs) await handOffFailedRuns(deps.failedHandoffs);
  const swept = deps.sweepWorktrees
    ? await deps.sweepWorktrees().catch((error: unknown) => {
        deps.log.warn({ err: error }, "worktree sweep failed");
        return 0;
      })
    : 0;
  if (swept) deps.log.info({ swept }, "orphan worktrees removed");
  const pulls = deps.watchPulls
    ? await deps.watchPulls().catch((error: unknown) => {
        deps.log.warn({ err: error }, "PR watch failed");
        return 0;
      })
    : 0;
  if (pulls) deps.log.info({ pulls }, "runs moved on their PR's state");
  await deps.postReviewNotes?.().catch((error: unknown) => {
    deps.log.warn({ err: error }, "review notes not posted");
  });
  if (
    report.reenqueued ||
    report.leasesReclaimed ||
    report.approvalsExpired ||
    report.waitingSettled
  ) {
    deps.log.info(report, "reconciled");
  }
  return report;
}

/**
 * Runs waiting in AWAIT_APPROVAL with no approval left pending: each decision (a click,
 * an expiry) is committed before the run is moved, so a process that stops in between
 * leaves the run waiting for nothing. A refused or expired approval ends the run on
 * APPROVAL_REQUIRED; all approved resume it at the phase it asked to resume. The move is
 * guarded by the step read, so a decider that moves it first wins and this pass skips it.
 */
async function settleWaitingRuns(deps: ReconcilerDeps): Promise<number> {
  const waiting = await deps.db
    .select({
      id: runs.id,
      resumePhase: runs.resumePhase,
      statuses: sql<string[]>`array_agg(${approvals.status})`,
    })
    .from(runs)
    .innerJoin(approvals, eq(approvals.runId, runs.id))
    .where(and(eq(runs.phase, "AWAIT_APPROVAL"), isNull(runs.outcome)))
    .groupBy(runs.id, runs.resumePhase)
    .having(sql`bool_and(${approvals.status} <> 'pending')`);
  let settled = 0;
  for (const run of waiting) {
    const refused = run.statuses.find((s) => s === "rejected" || s === "expired");
    const input = refused
      ? { runId: run.id, from: "AWAIT_APPROVAL" as const, exit: "APPROVAL_REQUIRED" as const }
      : run.resumePhase && isPhase(run.resumePhase)
        ? { runId: run.id, from: "AWAIT_APPROVAL" as const, to: run.resumePhase }
        : undefined;
    if (!input) continue;
    try {
      await advanceWaitingRun(
        { db: deps.db, enqueue: deps.queue.enqueue },
        input,
        deps.actor,
        refused
          ? `an approval was ${refused}: nothing left to wait for`
          : "every approval approved",
      );
      settled += 1;
    } catch (error) {
      deps.log.warn({ err: error, runId: run.id }, "could not move a run off AWAIT_APPROVAL");
    }
  }
  return settled;
}

/**
 * The steps this process handed a lease to that no job has taken yet, and that still hold
 * it in Postgres (same step, same fencing counter, same owner, unexpired). Before one is
 * given a new job, its kept lease is withdrawn (see reconcileOnce), so the job adopts
 * the lease in Postgres: a step that moved on, or that another worker adopted, refuses
 * it there.
 */
async function handedWithoutTaker(deps: ReconcilerDeps): Promise<RunRow[]> {
  const kept = deps.handoffs?.waiting() ?? [];
  if (kept.length === 0) return [];
  // One parameter for any number of runs, so the statement's text never changes.
  const held = JSON.stringify(
    kept.map((run) => ({ id: run.id, seq: run.seq, fencing: run.fencing, owner: run.leaseOwner })),
  );
  const still = await deps.db
    .select({ id: runs.id })
    .from(runs)
    .where(
      and(
        sql`(${runs.id}, ${runs.seq}, ${runs.fencing}, ${runs.leaseOwner}) in (
          select id, seq, fencing, owner from jsonb_to_recordset(${held}::jsonb)
            as k(id text, seq int, fencing bigint, owner text))`,
        isNull(runs.outcome),
        gt(runs.leaseExpiresAt, sql`now()`),
      ),
    );
  const ids = new Set(still.map((row) => row.id));
  return kept.filter((run) => ids.has(run.id));
}

/**
 * Whether the step's own job will take its expired lease, so reclaiming it would only
 * bump the fencing counter and record a `lease.reclaimed` that no worker earned:
 * - the job waits for its first delivery: a lease handed to it (ADR 0010) expires while
 *   it queues behind a backlog longer than the lease; the worker that picks it adopts or
 *   takes the lease, fencing out any earlier holder in that same statement;
 * - the job is active and its BullMQ lock is held: a live worker picked it and is about
 *   to take the lease (or runs the step, its heartbeat failing: nobody else has a job
 *   for that step to run it).
 * A job redelivered after a stall, one whose lock is gone, and a lost job are the marks
 * of a worker that stopped holding its step: their leases are reclaimed and audited.
 */
async function jobWillTakeLease(
  queue: PhaseQueue,
  lease: { id: string; seq: number },
): Promise<boolean> {
  const jobId = phaseJobId(lease.id, lease.seq);
  const job = await queue.queue.getJob(jobId);
  if (!job) return false;
  const state = await job.getState();
  if (QUEUED_JOB_STATES.has(state)) return job.attemptsStarted === 0 && !job.stalledCounter;
  if (state !== "active") return false;
  const client = await queue.queue.getBackend().client;
  return (await client.get(`${queue.queue.toKey(jobId)}:lock`)) != null;
}

const stepOf = (run: { id: string; seq: number; phase: string }): PhaseJobData => ({
  runId: run.id,
  seq: run.seq,
  phase: run.phase as Phase,
});

/** Runs {@link reconcileOnce} every `intervalMs` until stopped; one pass at a time. */
export function startReconciler(
  deps: ReconcilerDeps,
  intervalMs: number,
): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const loop = () => {
    running = reconcileOnce(deps)
      .then(
        () => undefined,
        (error) => deps.log.error({ err: error }, "reconcile failed"),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, intervalMs).unref();
      });
  };
  loop();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
