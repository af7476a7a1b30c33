import { getTableColumns, sql } from "drizzle-orm";
import { appendEventCtes, eventValues, prepareEvent } from "../audit/audit.ts";
import type { Db, Tx } from "../db/client.ts";
import { runs } from "../db/schema.ts";
import { param, statement } from "../db/statement.ts";
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
  /**
   * Keep the next step leased to this worker (owner id) instead of releasing the run:
   * the fencing counter moves on, and the next step's job carries it (ADR 0010).
   */
  handoff?: { owner: string; leaseMs: number };
}

/** Whether a state gets a job (a working phase) or waits for the outside world / ended. */
export function needsJob(state: RunState): state is Phase {
  return isPhase(state) && !WAIT_PHASES.has(state) && state !== "RUN_COMPLETE";
}

const EVENT = {
  chain: param("chain"),
  runId: param("id"),
  type: "transition",
  actor: param("actor"),
  payload: param("payload"),
  createdAt: param("now"),
  body: param("body"),
};

/**
 * One statement, so one round trip and atomic by itself: lock the audit chain's head,
 * move the run only if it is still at the step the caller read (and, for a lease
 * holder, still under its fencing counter and owner), and append the transition row,
 * its audit event (hashed in SQL exactly as hashEvent does) and the new head. Its shape
 * is fixed (every optional change is a parameter) so it is built once (ADR 0003).
 * With `next_owner` the run's next step stays leased to that worker under a new
 * fencing counter (ADR 0010).
 */
const COMMIT = statement(
  () => sql`
    with head as (
      select seq, hash from audit_heads where chain = ${param("chain")}::text for update
    ), moved as (
      update runs r set
        phase = ${param("to")}::text,
        seq = r.seq + 1,
        outcome = ${param("outcome")}::text,
        lease_owner = ${param("next_owner")}::text,
        lease_expires_at = now() + ${param("next_lease_ms")}::int * interval '1 millisecond',
        attempt = case when ${param("next_owner")}::text is null then 0 else 1 end,
        fencing = r.fencing + ${param("fence_bump")}::int,
        phase_started_at = ${param("now")}::timestamptz,
        updated_at = ${param("now")}::timestamptz,
        ended_at = case when ${param("outcome")}::text is null then r.ended_at else ${param("now")}::timestamptz end,
        context = r.context || coalesce(${param("patch")}::jsonb, '{}'::jsonb),
        pending_outcome = case when ${param("set_pending")}::boolean then ${param("pending")}::text else r.pending_outcome end,
        resume_phase = case when ${param("set_resume")}::boolean then ${param("resume")}::text else r.resume_phase end,
        error = case when ${param("set_error")}::boolean then ${param("error")}::text else r.error end
      where r.id = ${param("id")}::text and r.seq = ${param("seq")}::int and r.outcome is null
        and (${param("fencing")}::bigint is null
          or (r.fencing = ${param("fencing")}::bigint and r.lease_owner = ${param("actor")}::text))
      returning r.*
    ), ${appendEventCtes(EVENT, sql`head, moved`)}, t as (
      insert into phase_transitions (run_id, seq, from_state, to_state, fencing, worker, description)
      select id, seq, ${param("from")}::text, ${param("to")}::text,
        fencing - ${param("fence_bump")}::int, ${param("actor")}::text, ${param("description")}::text
      from moved
    )
    select moved.*, (select count(*) from ev)::int as prode_audited from moved`,
);

/**
 * Commits one transition: the run row moves only if it is still at the step (and, for a
 * lease holder, the fencing counter) the caller read; the transition row and its audit
 * event commit in the same statement. Returns the updated run, or throws StaleFencing
 * when another writer got there first.
 */
export async function commitTransition(db: Db | Tx, req: TransitionRequest): Promise<RunRow> {
  const { run, to } = req;
  if (!isLegalTransition(run.phase as RunState, to, { exiting: req.exiting ?? false })) {
    throw new AppError(
      ErrorCode.IllegalTransition,
      `illegal transition ${run.phase} → ${to}${req.exiting ? " (exiting)" : ""}`,
    );
  }
  if (req.handoff && !needsJob(to)) {
    throw new AppError(ErrorCode.Internal, `cannot hand a lease to ${to}: it gets no job`);
  }
  // Reaching the RUN_COMPLETE phase completes the run.
  const outcome: Outcome | null =
    to === "RUN_COMPLETE" ? "RUN_COMPLETE" : isOutcome(to) ? to : null;
  const event = prepareEvent({
    runId: run.id,
    type: "transition",
    actor: req.actor,
    payload: { from: run.phase, to, seq: run.seq + 1, description: req.description },
  });
  const values = eventValues(event);
  const [row] = await COMMIT(db, {
    id: run.id,
    seq: run.seq,
    from: run.phase,
    to,
    outcome,
    actor: req.actor,
    description: req.description,
    fencing: req.fencing ?? null,
    fence_bump: req.fence || req.handoff ? 1 : 0,
    next_owner: req.handoff?.owner ?? null,
    next_lease_ms: req.handoff?.leaseMs ?? null,
    patch: req.patch ? JSON.stringify(req.patch) : null,
    set_pending: req.pendingOutcome !== undefined,
    pending: req.pendingOutcome ?? null,
    set_resume: req.resumePhase !== undefined,
    resume: req.resumePhase ?? null,
    set_error: req.error !== undefined,
    error: req.error ?? null,
    chain: values.chain,
    payload: values.payload,
    now: values.createdAt,
    body: values.body,
  });
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
export function runFromRow(row: Record<string, unknown>): RunRow {
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
