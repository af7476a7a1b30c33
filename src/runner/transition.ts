import { getTableColumns, sql } from "drizzle-orm";
import { appendEventCtes, prepareEvent } from "../audit/audit.ts";
import type { Db, Tx } from "../db/client.ts";
import { runs } from "../db/schema.ts";
import { param, statement } from "../db/statement.ts";
import { AppError, ErrorCode } from "../domain/errors.ts";
import {
  isLegalTransition,
  isOutcome,
  isPhase,
  type Phase,
  type RunState,
  WAIT_PHASES,
} from "../domain/phases.ts";
import type { RunRow, TransitionRequest } from "./types.ts";

/** Whether a state gets a job (a working phase) or waits for the outside world / ended. */
export function needsJob(state: RunState): state is Phase {
  return isPhase(state) && !WAIT_PHASES.has(state) && state !== "RUN_COMPLETE";
}

/**
 * Commits a batch of transitions, one per run, in one statement: one round trip, one
 * WAL flush, and atomic as a whole. Each input row is one transition request; its run
 * moves only if it is still at the step the caller read (and, for a lease holder, still
 * under its fencing counter and owner). For each run that moved, the statement appends
 * the transition row, its audit event (hashed in SQL exactly as hashEvent does) and the
 * chain's new head. Rows are locked in a fixed order (see `locked`). Rows are found by key
 * (`= any(array(...))`): joined to the input directly, the planner guessed 100 input rows
 * and scanned every head and every active run. The shape is fixed, so it is
 * built once (ADR 0003, 0011). With `next_owner`, the run's next step stays leased to
 * that worker under a new fencing counter (ADR 0010).
 */
const COMMIT = statement(
  () => sql`
    with input as (
      select * from jsonb_to_recordset(${param("batch")}::jsonb) as i(
        id text, seq int, from_state text, to_state text, outcome text, actor text,
        description text, fencing bigint, fence_bump int, next_owner text, next_lease_ms int,
        patch jsonb, set_pending boolean, pending text, set_resume boolean, resume text,
        set_error boolean, error text, wake_at timestamptz, chain text, payload jsonb, now timestamptz,
        body text)
    ), locked as (
      -- Lock order: the runs by id, then (once every run has moved) their heads by chain.
      -- Every other writer takes one run and then its head, or a head alone, so none
      -- can deadlock with a batch, nor two batches with each other.
      select r.id from runs r where r.id = any(array(select id from input)) order by r.id for update
    ), moved as (
      update runs r set
        phase = i.to_state,
        seq = r.seq + 1,
        outcome = i.outcome,
        lease_owner = i.next_owner,
        lease_expires_at = now() + i.next_lease_ms * interval '1 millisecond',
        attempt = case when i.next_owner is null then 0 else 1 end,
        fencing = r.fencing + i.fence_bump,
        phase_started_at = i.now,
        updated_at = i.now,
        ended_at = case when i.outcome is null then r.ended_at else i.now end,
        context = case when i.patch is null then r.context else r.context || i.patch end,
        pending_outcome = case when i.set_pending then i.pending else r.pending_outcome end,
        resume_phase = case when i.set_resume then i.resume else r.resume_phase end,
        error = case when i.set_error then i.error else r.error end,
        -- Only the step that asked for a time is due later (ADR 0017).
        wake_at = i.wake_at
      from input i
      -- coalesce: "outcome is null" would let the planner pick the partial index of
      -- active runs and filter all of them whenever its statistics think there are none.
      where r.id = any(array(select id from locked)) and r.id = i.id and r.seq = i.seq
        and coalesce(r.outcome, '') = ''
        and (i.fencing is null or (r.fencing = i.fencing and r.lease_owner = i.actor))
      returning r.*
    ), head as (
      select h.chain, h.seq, h.hash from audit_heads h
      where h.chain = any(array(select i.chain from input i join moved m on m.id = i.id))
      order by h.chain for update
    ), ${appendEventCtes(sql`
      select i.chain, i.id as run_id, 'transition' as type, i.actor, i.payload,
        i.now as created_at, i.body, head.seq as head_seq, head.hash as head_hash
      from input i join head on head.chain = i.chain join moved on moved.id = i.id`)}, t as (
      insert into phase_transitions (run_id, seq, from_state, to_state, fencing, worker, description)
      select m.id, m.seq, i.from_state, i.to_state, m.fencing - i.fence_bump, i.actor, i.description
      from moved m join input i on i.id = m.id
    )
    select moved.*, (select count(*) from ev where ev.run_id = moved.id)::int as prode_audited
    from moved`,
);

/** The statement's input row for one request, or the reason it cannot be committed. */
function inputOf(req: TransitionRequest): Record<string, unknown> | AppError {
  const { run, to } = req;
  if (!isLegalTransition(run.phase as RunState, to, { exiting: req.exiting ?? false })) {
    return new AppError(
      ErrorCode.IllegalTransition,
      `illegal transition ${run.phase} → ${to}${req.exiting ? " (exiting)" : ""}`,
    );
  }
  if (req.handoff && !needsJob(to)) {
    return new AppError(ErrorCode.Internal, `cannot hand a lease to ${to}: it gets no job`);
  }
  const event = prepareEvent({
    runId: run.id,
    type: "transition",
    actor: req.actor,
    payload: { from: run.phase, to, seq: run.seq + 1, description: req.description },
  });
  return {
    id: run.id,
    seq: run.seq,
    from_state: run.phase,
    to_state: to,
    // Reaching the RUN_COMPLETE phase completes the run.
    outcome: to === "RUN_COMPLETE" ? "RUN_COMPLETE" : isOutcome(to) ? to : null,
    actor: req.actor,
    description: req.description,
    fencing: req.fencing ?? null,
    fence_bump: req.fence || req.handoff ? 1 : 0,
    next_owner: req.handoff?.owner ?? null,
    next_lease_ms: req.handoff?.leaseMs ?? null,
    patch: req.patch ?? null,
    set_pending: req.pendingOutcome !== undefined,
    pending: req.pendingOutcome ?? null,
    set_resume: req.resumePhase !== undefined,
    resume: req.resumePhase ?? null,
    set_error: req.error !== undefined,
    error: req.error ?? null,
    wake_at: req.wakeAt?.toISOString() ?? null,
    chain: event.chain,
    payload: event.payload,
    now: event.createdAt.toISOString(),
    body: event.body,
  };
}

/**
 * Commits transitions of distinct runs together (see COMMIT). Each result is the
 * updated run, or the error for that request: IllegalTransition before anything is
 * sent, StaleFencing when another writer got there first. A failing statement rejects
 * as a whole and commits nothing.
 */
export async function commitTransitions(
  db: Db | Tx,
  reqs: TransitionRequest[],
): Promise<(RunRow | AppError)[]> {
  const inputs = reqs.map(inputOf);
  const batch = inputs.filter((i): i is Record<string, unknown> => !(i instanceof AppError));
  if (new Set(batch.map((i) => i.id)).size !== batch.length) {
    throw new AppError(ErrorCode.Internal, "a batch of transitions holds two for one run");
  }
  const rows = batch.length ? await COMMIT(db, { batch: JSON.stringify(batch) }) : [];
  const byId = new Map(rows.map((row) => [row.id as string, row]));
  return reqs.map((req, k) => {
    const input = inputs[k]!;
    if (input instanceof AppError) return input;
    const row = byId.get(req.run.id);
    if (!row) {
      return new AppError(
        ErrorCode.StaleFencing,
        `run ${req.run.id} moved on before ${req.run.phase} → ${req.to} could commit (stale writer)`,
      );
    }
    if (row.prode_audited !== 1) {
      // Every run's chain starts with run.created; a run without one was not made by createRun.
      return new AppError(
        ErrorCode.AuditBroken,
        `run ${req.run.id} has no audit chain head: transition committed unaudited`,
      );
    }
    return runFromRow(row);
  });
}

/**
 * Commits one transition: the run row moves only if it is still at the step (and, for a
 * lease holder, the fencing counter) the caller read; the transition row and its audit
 * event commit in the same statement. Returns the updated run, or throws StaleFencing
 * when another writer got there first.
 */
export async function commitTransition(db: Db | Tx, req: TransitionRequest): Promise<RunRow> {
  const [result] = await commitTransitions(db, [req]);
  if (result instanceof AppError) throw result;
  return result!;
}

const RUN_COLUMNS = Object.entries(getTableColumns(runs));

/** A raw `runs` row (snake_case, driver values) as drizzle would have returned it. */
export function runFromRow(row: Record<string, unknown>): RunRow {
  const out: Record<string, unknown> = {};
  for (const [key, column] of RUN_COLUMNS) {
    const value = row[column.name];
    out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return out as RunRow;
}
