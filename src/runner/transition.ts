import { and, eq, isNull, sql } from "drizzle-orm";
import { chainOf, insertAuditRowSql, lockAuditHead, nextAuditRow } from "../audit/audit.ts";
import type { Db, Tx } from "../db/client.ts";
import { phaseTransitions, runs } from "../db/schema.ts";
import { AppError, ErrorCode } from "../domain/errors.ts";
import {
  isLegalTransition,
  isOutcome,
  isPhase,
  type Outcome,
  type Phase,
  type RunState,
  WAIT_PHASES,
} from "../domain/phases.ts";
import type { RunRow } from "./types.ts";

export interface TransitionRequest {
  run: RunRow;
  to: RunState;
  /** The fencing counter the writer holds; omitted for lease-free moves out of wait phases. */
  fencing?: number;
  /** Bump the fencing counter so any lease holder becomes a zombie (supersede, fail). */
  fence?: boolean;
  exiting?: boolean;
  actor: string;
  description: string;
  patch?: Record<string, unknown>;
  pendingOutcome?: string | null;
  resumePhase?: string | null;
  error?: string | null;
}

/** Whether a state gets a job (a working phase) or waits for the outside world / ended. */
export function needsJob(state: RunState): state is Phase {
  return isPhase(state) && !WAIT_PHASES.has(state) && state !== "RUN_COMPLETE";
}

/**
 * Commits one transition: the run row moves only if it is still at the step (and, for a
 * lease holder, the fencing counter) the caller read; the transition row and its audit
 * event commit in the same transaction. Returns the updated run, or throws
 * StaleFencing when another writer got there first.
 */
export async function commitTransition(db: Db | Tx, req: TransitionRequest): Promise<RunRow> {
  const { run, to } = req;
  if (!isLegalTransition(run.phase as RunState, to, { exiting: req.exiting ?? false })) {
    throw new AppError(
      ErrorCode.IllegalTransition,
      `illegal transition ${run.phase} → ${to}${req.exiting ? " (exiting)" : ""}`,
    );
  }
  // Reaching the RUN_COMPLETE phase completes the run.
  const outcome: Outcome | null =
    to === "RUN_COMPLETE" ? "RUN_COMPLETE" : isOutcome(to) ? to : null;
  const now = new Date();
  const conditions = [eq(runs.id, run.id), eq(runs.seq, run.seq), isNull(runs.outcome)];
  if (req.fencing !== undefined) conditions.push(eq(runs.fencing, req.fencing));

  const write = async (tx: Tx): Promise<RunRow> => {
    // Sent together: the guarded move and the audit head lock (one round trip, pipelined).
    const [[updated], head] = await Promise.all([
      tx
        .update(runs)
        .set({
          phase: to,
          seq: sql`${runs.seq} + 1`,
          outcome,
          leaseOwner: null,
          leaseExpiresAt: null,
          attempt: 0,
          ...(req.fence ? { fencing: sql`${runs.fencing} + 1` } : {}),
          ...(req.patch
            ? { context: sql`${runs.context} || ${JSON.stringify(req.patch)}::jsonb` }
            : {}),
          ...(req.pendingOutcome !== undefined ? { pendingOutcome: req.pendingOutcome } : {}),
          ...(req.resumePhase !== undefined ? { resumePhase: req.resumePhase } : {}),
          ...(req.error !== undefined ? { error: req.error } : {}),
          phaseStartedAt: now,
          updatedAt: now,
          ...(outcome ? { endedAt: now } : {}),
        })
        .where(and(...conditions))
        .returning(),
      lockAuditHead(tx, chainOf(run.id)),
    ]);
    if (!updated) {
      throw new AppError(
        ErrorCode.StaleFencing,
        `run ${run.id} moved on before ${run.phase} → ${to} could commit (stale writer)`,
      );
    }
    const audit = nextAuditRow(head, {
      runId: run.id,
      type: "transition",
      actor: req.actor,
      payload: { from: run.phase, to, seq: run.seq + 1, description: req.description },
      at: now,
    });
    // The transition row, the audit event and the chain head: one statement.
    await tx.execute(
      insertAuditRowSql(
        audit,
        sql`t as (insert into ${phaseTransitions}
          (run_id, seq, from_state, to_state, fencing, worker, description)
          values (${run.id}, ${run.seq + 1}, ${run.phase}, ${to}, ${updated.fencing}, ${req.actor}, ${req.description}))`,
      ),
    );
    return updated;
  };
  // On a Tx this is a savepoint, so callers may compose it into their own transaction.
  return (db as Db).transaction(write);
}
