import { getTableColumns, sql } from "drizzle-orm";
import { appendEventCtes, prepareEvent } from "../audit/audit.ts";
import type { Db, Tx } from "../db/client.ts";
import { runs } from "../db/schema.ts";
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
  const now = new Date(Math.floor(Date.now()));
  const event = prepareEvent({
    runId: run.id,
    type: "transition",
    actor: req.actor,
    payload: { from: run.phase, to, seq: run.seq + 1, description: req.description },
    at: now,
  });
  const set = sql.join(
    [
      sql`phase = ${to}`,
      sql`seq = r.seq + 1`,
      sql`outcome = ${outcome}`,
      sql`lease_owner = null`,
      sql`lease_expires_at = null`,
      sql`attempt = 0`,
      sql`phase_started_at = ${now.toISOString()}::timestamptz`,
      sql`updated_at = ${now.toISOString()}::timestamptz`,
      ...(outcome ? [sql`ended_at = ${now.toISOString()}::timestamptz`] : []),
      ...(req.fence ? [sql`fencing = r.fencing + 1`] : []),
      ...(req.patch ? [sql`context = r.context || ${JSON.stringify(req.patch)}::jsonb`] : []),
      ...(req.pendingOutcome !== undefined ? [sql`pending_outcome = ${req.pendingOutcome}`] : []),
      ...(req.resumePhase !== undefined ? [sql`resume_phase = ${req.resumePhase}`] : []),
      ...(req.error !== undefined ? [sql`error = ${req.error}`] : []),
    ],
    sql`, `,
  );
  // A lease holder must still hold the lease: fencing and owner both (a zombie with a
  // reused fencing value, after a lost write, still cannot commit).
  const guard =
    req.fencing === undefined
      ? sql``
      : sql` and r.fencing = ${req.fencing}${req.actor ? sql` and r.lease_owner = ${req.actor}` : sql``}`;
  // One statement, so one round trip and atomic by itself: lock the audit chain's head,
  // move the run only if it is still where the caller read it, and append the transition
  // row, its audit event (hashed in SQL exactly as hashEvent does) and the new head.
  const result = await db.execute(sql`
    with head as (
      select seq, hash from audit_heads where chain = ${event.chain} for update
    ), moved as (
      update runs r set ${set}
      where r.id = ${run.id} and r.seq = ${run.seq} and r.outcome is null${guard}
      returning r.*
    ), ${appendEventCtes(event, sql`head, moved`)}, t as (
      insert into phase_transitions (run_id, seq, from_state, to_state, fencing, worker, description)
      select id, seq, ${run.phase}, ${to}, fencing, ${req.actor}, ${req.description} from moved
    )
    select moved.*, (select count(*) from ev)::int as prode_audited from moved`);
  const rows = ((result as { rows?: Record<string, unknown>[] }).rows ??
    (result as unknown as Record<string, unknown>[])) as Record<string, unknown>[];
  const row = rows[0];
  if (!row) {
    throw new AppError(
      ErrorCode.StaleFencing,
      `run ${run.id} moved on before ${run.phase} → ${to} could commit (stale writer)`,
    );
  }
  if (row.prode_audited !== 1) {
    // Every run's chain starts with run.created; a run without one was not made by createRun.
    throw new AppError(
      ErrorCode.AuditBroken,
      `run ${run.id} has no audit chain head: transition committed unaudited`,
    );
  }
  return runFromRow(row);
}

const RUN_COLUMNS = Object.entries(getTableColumns(runs));

/** A raw `runs` row (snake_case, driver values) as drizzle would have returned it. */
function runFromRow(row: Record<string, unknown>): RunRow {
  const out: Record<string, unknown> = {};
  for (const [key, column] of RUN_COLUMNS) {
    const value = row[column.name];
    out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  for (const key of ["createdAt", "updatedAt", "phaseStartedAt", "endedAt", "leaseExpiresAt"]) {
    const v = out[key];
    if (typeof v === "string") out[key] = new Date(v);
  }
  return out as RunRow;
}
