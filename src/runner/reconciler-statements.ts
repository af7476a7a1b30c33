import { and, eq, isNotNull, isNull, lt, type SQL, sql } from "drizzle-orm";
import { appendEventCtes, type PreparedEvent, prepareEvent } from "../audit/audit.ts";
import type { Db } from "../db/client.ts";
import { approvals, runs } from "../db/schema.ts";
import { param, statement } from "../db/statement.ts";

/**
 * The reconciler's changes, each committed with its audit events in one statement, as a
 * transition is (ADR 0003): the rows change only where the statement also appends their
 * events, hashed in SQL from the chain's locked head. The candidates are read first, so
 * each event's canonical body is computed in TypeScript; the statement re-checks every
 * candidate's guard, and a row that moved meanwhile is left alone, with no event.
 */

/** The columns every input row carries for its event (see {@link eventRow}). */
const EVENT_COLUMNS = sql.raw(
  "chain text, run_id text, type text, actor text, payload jsonb, created_at timestamptz, body text",
);

/** An event as columns of an input row (payload as JSON, not as a string). */
function eventRow(event: PreparedEvent): Record<string, unknown> {
  return {
    chain: event.chain,
    run_id: event.runId,
    type: event.type,
    actor: event.actor,
    payload: event.payload,
    created_at: event.createdAt.toISOString(),
    body: event.body,
  };
}

/**
 * The statement's tail once `moved` (the changed rows, by `id`) is known: lock the heads
 * of their chains, append one event per changed row, and return the rows. `moved` must
 * require its chain's head to exist, so that no row changes without its event. Lock
 * order: the changed rows first, then the heads by chain, as every other writer does
 * (src/runner/transition.ts).
 */
function auditMoved(): SQL {
  return sql`head as (
      select h.chain, h.seq, h.hash from audit_heads h
      where h.chain = any(array(select i.chain from input i join moved m on m.id = i.id))
      order by h.chain for update
    ), ${appendEventCtes(sql`
      select i.chain, i.run_id, i.type, i.actor, i.payload, i.created_at, i.body,
        head.seq as head_seq, head.hash as head_hash
      from input i join moved m on m.id = i.id join head on head.chain = i.chain`)}
    select * from moved`;
}

/**
 * Clears each expired lease and bumps its fencing counter, so the old holder is fenced
 * out (ADR 0002), with its `lease.reclaimed` event. A lease renewed, or a run moved or
 * ended, since it was read is not touched.
 */
const RECLAIM = statement(
  () => sql`
    with input as (
      select * from jsonb_to_recordset(${param("batch")}::jsonb)
        as i(id text, seq int, fencing bigint, owner text, ${EVENT_COLUMNS})
    ), locked as (
      select r.id from runs r where r.id = any(array(select id from input)) order by r.id for update
    ), moved as (
      update runs r set lease_owner = null, lease_expires_at = null, fencing = r.fencing + 1
      from input i
      where r.id = any(array(select id from locked)) and r.id = i.id and r.seq = i.seq
        and r.fencing = i.fencing and r.lease_owner = i.owner and r.outcome is null
        and r.lease_expires_at < now()
        and exists (select 1 from audit_heads h where h.chain = i.chain)
      returning r.id, r.seq, r.phase
    ), ${auditMoved()}`,
);

export interface ReclaimedLease {
  id: string;
  seq: number;
  phase: string;
}

/**
 * Reclaims every expired lease of an active run, each with its audit event, in one
 * statement; a lease `isQueued` says its step's job is still waiting for a worker is
 * left alone (see reconcileOnce).
 */
export async function reclaimExpiredLeases(
  db: Db,
  actor: string,
  isQueued: (lease: { id: string; seq: number }) => Promise<boolean> = async () => false,
): Promise<ReclaimedLease[]> {
  const expired = await db
    .select({
      id: runs.id,
      seq: runs.seq,
      phase: runs.phase,
      fencing: runs.fencing,
      owner: runs.leaseOwner,
    })
    .from(runs)
    .where(
      and(isNull(runs.outcome), isNotNull(runs.leaseOwner), lt(runs.leaseExpiresAt, sql`now()`)),
    );
  const abandoned = [];
  for (const run of expired) if (!(await isQueued(run))) abandoned.push(run);
  if (abandoned.length === 0) return [];
  const batch = abandoned.map((run) => ({
    id: run.id,
    seq: run.seq,
    fencing: run.fencing,
    owner: run.owner,
    ...eventRow(
      prepareEvent({
        runId: run.id,
        type: "lease.reclaimed",
        actor,
        payload: { phase: run.phase, seq: run.seq },
      }),
    ),
  }));
  const rows = await RECLAIM(db, { batch: JSON.stringify(batch) });
  return rows.map((row) => ({
    id: row.id as string,
    seq: Number(row.seq),
    phase: row.phase as string,
  }));
}

/** Marks each pending approval past its expiry expired, with its `approval.expired` event. */
const EXPIRE = statement(
  () => sql`
    with input as (
      select * from jsonb_to_recordset(${param("batch")}::jsonb) as i(id text, ${EVENT_COLUMNS})
    ), locked as (
      select a.id from approvals a where a.id = any(array(select id from input)) order by a.id
      for update
    ), moved as (
      update approvals a set status = 'expired', decided_at = ${param("now")}::timestamptz
      from input i
      where a.id = any(array(select id from locked)) and a.id = i.id and a.status = 'pending'
        and a.expires_at < ${param("now")}::timestamptz
        and exists (select 1 from audit_heads h where h.chain = i.chain)
      returning a.id, a.run_id, a.action
    ), ${auditMoved()}`,
);

export interface ExpiredApproval {
  id: string;
  runId: string;
  action: string;
}

/**
 * Expires every pending approval past its expiry, each with its audit event. A statement
 * appends at most one event per chain, so a run with several expired approvals has them
 * expired over several statements, each atomic.
 */
export async function expireApprovals(
  db: Db,
  actor: string,
  /** The clock approvals were created and are judged by (the phases' and Slack's). */
  now: Date,
): Promise<ExpiredApproval[]> {
  const due = await db
    .select({ id: approvals.id, runId: approvals.runId, action: approvals.action })
    .from(approvals)
    .where(and(eq(approvals.status, "pending"), lt(approvals.expiresAt, now)))
    .orderBy(approvals.expiresAt);
  // Round k holds the k-th due approval of each run.
  const rounds: (typeof due)[] = [];
  const seen = new Map<string, number>();
  for (const approval of due) {
    const k = seen.get(approval.runId) ?? 0;
    seen.set(approval.runId, k + 1);
    if (k === rounds.length) rounds.push([]);
    rounds[k]!.push(approval);
  }
  const expired: ExpiredApproval[] = [];
  for (const round of rounds) {
    const batch = round.map((approval) => ({
      id: approval.id,
      ...eventRow(
        prepareEvent({
          runId: approval.runId,
          type: "approval.expired",
          actor,
          payload: { approvalId: approval.id, action: approval.action },
        }),
      ),
    }));
    const rows = await EXPIRE(db, { batch: JSON.stringify(batch), now: now.toISOString() });
    for (const row of rows) {
      expired.push({
        id: row.id as string,
        runId: row.run_id as string,
        action: row.action as string,
      });
    }
  }
  return expired;
}
