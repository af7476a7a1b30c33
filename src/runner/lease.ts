import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import { param, statement } from "../db/statement.ts";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { runFromRow } from "./transition.ts";
import type { RunnerDeps, RunRow, StepJob } from "./types.ts";

/** The lease on a run for one step (ADR 0002), and the handed lease of ADR 0010. */

const LEASE_FOR = sql`now() + ${param("lease_ms")}::int * interval '1 millisecond'`;

/**
 * Takes the lease for step (run, seq) if it is free, expired, or the one handed to this
 * job (`lease`, ADR 0010); bumps the fencing counter so any earlier holder is fenced out.
 */
const ACQUIRE = statement(
  () => sql`
    update runs set lease_owner = ${param("owner")}::text, lease_expires_at = ${LEASE_FOR},
      fencing = fencing + 1,
      -- Adopting a handed lease is the step's first attempt, not a retry.
      attempt = case when fencing = ${param("lease")}::bigint then 1 else attempt + 1 end
    where id = ${param("id")}::text and seq = ${param("seq")}::int and outcome is null
      and (lease_owner is null or lease_expires_at < now() or fencing = ${param("lease")}::bigint)
    returning *`,
);
const HEARTBEAT = statement(
  () => sql`
    update runs set lease_expires_at = ${LEASE_FOR}
    where id = ${param("id")}::text and fencing = ${param("fencing")}::bigint
      and lease_owner = ${param("owner")}::text
    returning id`,
);
const RELEASE = statement(
  () => sql`
    update runs set lease_owner = null, lease_expires_at = null
    where id = ${param("id")}::text and fencing = ${param("fencing")}::bigint`,
);

/** The lease for the job's step: the one this process kept for it, or taken in Postgres. */
export async function acquireLease(deps: RunnerDeps, job: StepJob): Promise<RunRow | undefined> {
  if (job.lease !== undefined && !job.redelivered) {
    const kept = deps.handoffs?.take(job.runId, job.seq, job.lease);
    if (kept) return kept;
  }
  const [row] = await ACQUIRE(deps.db, {
    owner: deps.workerId,
    lease_ms: deps.timing.leaseMs,
    id: job.runId,
    seq: job.seq,
    // A redelivered job may be running still where it was first delivered, under this
    // very lease: it waits for the lease to expire, as any job does.
    lease: job.redelivered ? null : (job.lease ?? null),
  });
  return row ? runFromRow(row) : undefined;
}

export async function releaseLease(deps: RunnerDeps, run: RunRow): Promise<void> {
  await RELEASE(deps.db, { id: run.id, fencing: run.fencing });
}

/**
 * Extends the lease every `heartbeatMs` while the step works; calls `lost` once the run
 * is no longer leased to this worker under this fencing counter. Returns the stop.
 */
export function startHeartbeat(
  deps: RunnerDeps,
  run: RunRow,
  lost: (reason: AppError) => void,
  log: Logger,
): () => void {
  const timer = setInterval(() => {
    HEARTBEAT(deps.db, {
      id: run.id,
      fencing: run.fencing,
      owner: deps.workerId,
      lease_ms: deps.timing.leaseMs,
    })
      .then((rows) => {
        if (rows.length === 0) lost(new AppError(ErrorCode.StaleFencing, "lease lost"));
      })
      .catch((error) => log.warn({ err: error }, "heartbeat failed"));
  }, deps.timing.heartbeatMs);
  timer.unref();
  return () => clearInterval(timer);
}
