import { and, eq, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { appendAudit } from "../audit/audit.ts";
import type { Db } from "../db/client.ts";
import { effects, runs } from "../db/schema.ts";
import { asAppError } from "../domain/errors.ts";
import { parseRunContext, scopeOf } from "../domain/run-context.ts";
import { effectKey, effectKeySql, stepEffects } from "./effects.ts";
import type { KillSwitchCheck, PhaseContext, PhaseHandler, RunRow } from "./types.ts";

/**
 * Every stop writes a handoff (DESIGN.md), FAILED included. A run that failed because a
 * provider stayed down past the outage bound could not write its Slack thread update or
 * its Linear comment then; the reconciler calls {@link handOffFailedRuns} on each pass,
 * which runs the stop's handoff (the LINEAR_HANDOFF handler, through the effect ledger,
 * so nothing already written is written again) for FAILED runs that have none yet, with
 * a backoff per run while the provider is still down (issue 17). A ledger entry
 * (`handoff.failed`) records the attempts and, once done, that the handoff was written.
 */

export const FAILED_HANDOFF_EFFECT = "handoff.failed";

export interface FailedHandoffDeps {
  db: Db;
  log: Logger;
  /** Who leases the FAILED run while its handoff is written. */
  workerId: string;
  /** The handler that writes a stop's handoff (LINEAR_HANDOFF). */
  handoff: PhaseHandler;
  killSwitch?: KillSwitchCheck;
  now?: () => Date;
  /** First wait between two attempts for one run; doubles per attempt. Default 15 s. */
  retryBaseMs?: number;
  /** The longest wait between two attempts. Default 10 minutes. */
  retryMaxMs?: number;
  /** FAILED runs that ended longer ago than this are left alone. Default 24 h. */
  maxAgeMs?: number;
  /** Runs tried per pass. Default 20. */
  batchSize?: number;
  /** How long the FAILED run is leased while its handoff is written. Default 5 minutes. */
  leaseMs?: number;
  /**
   * No further run is started after this much of a pass: the reconciler's other duties
   * (reclaiming leases, re-enqueueing steps) must not wait long behind a slow provider.
   * Default 10 s; the rest is left to the next pass.
   */
  passBudgetMs?: number;
}

/** Tries the handoff of each FAILED run that is due; returns how many were written. */
export async function handOffFailedRuns(deps: FailedHandoffDeps): Promise<number> {
  const started = Date.now();
  const budget = deps.passBudgetMs ?? 10_000;
  const due = await dueRuns(deps);
  let written = 0;
  for (const id of due) {
    if (Date.now() - started > budget) break;
    if (await handOffOne(deps, id)) written += 1;
  }
  return written;
}

async function dueRuns(deps: FailedHandoffDeps): Promise<string[]> {
  const base = deps.retryBaseMs ?? 15_000;
  const max = deps.retryMaxMs ?? 600_000;
  const maxAge = deps.maxAgeMs ?? 24 * 3_600_000;
  const key = effectKeySql(sql`${runs.id}`, FAILED_HANDOFF_EFFECT);
  const rows = await deps.db
    .select({ id: runs.id })
    .from(runs)
    .where(
      and(
        eq(runs.outcome, "FAILED"),
        sql`${runs.endedAt} > now() - ${maxAge}::bigint * interval '1 millisecond'`,
        sql`(${runs.leaseOwner} is null or ${runs.leaseExpiresAt} < now())`,
        // Qualified by hand: inside a subquery drizzle prints columns without their table.
        sql`not exists (select 1 from effects e where e.key = ${key} and (e.status = 'done'
          or e.updated_at + least(${max}::bigint, ${base}::bigint * power(2, least(e.attempts - 1, 30)))
            * interval '1 millisecond' > now()))`,
      ),
    )
    .orderBy(runs.endedAt)
    .limit(deps.batchSize ?? 20);
  return rows.map((r) => r.id);
}

/** Leases the FAILED run, records the attempt, runs the handoff, releases the run. */
async function handOffOne(deps: FailedHandoffDeps, id: string): Promise<boolean> {
  const leaseMs = deps.leaseMs ?? 300_000;
  const [run] = await deps.db
    .update(runs)
    .set({
      leaseOwner: deps.workerId,
      leaseExpiresAt: sql`now() + ${leaseMs}::int * interval '1 millisecond'`,
      fencing: sql`${runs.fencing} + 1`,
    })
    .where(
      and(
        eq(runs.id, id),
        eq(runs.outcome, "FAILED"),
        sql`(${runs.leaseOwner} is null or ${runs.leaseExpiresAt} < now())`,
      ),
    )
    .returning();
  if (!run) return false;
  const key = effectKey(run.id, FAILED_HANDOFF_EFFECT);
  const log = deps.log.child({ runId: run.id, ticket: run.ticket });
  try {
    await deps.db
      .insert(effects)
      .values({
        key,
        runId: run.id,
        name: FAILED_HANDOFF_EFFECT,
        status: "pending",
        fencing: run.fencing,
        attempts: 1,
      })
      .onConflictDoUpdate({
        target: effects.key,
        set: { attempts: sql`${effects.attempts} + 1`, updatedAt: new Date() },
      });
    const result = await deps.handoff(failedRunContext(deps, run, leaseMs));
    await deps.db.transaction(async (tx) => {
      await tx
        .update(effects)
        .set({ status: "done", externalId: run.id, updatedAt: new Date() })
        .where(eq(effects.key, key));
      await appendAudit(tx, {
        runId: run.id,
        type: "run.failed_handoff",
        actor: deps.workerId,
        payload: { description: result.description ?? "" },
      });
    });
    log.info("handoff of the FAILED run written");
    return true;
  } catch (error) {
    log.warn({ err: asAppError(error) }, "handoff of the FAILED run not written yet; will retry");
    return false;
  } finally {
    await deps.db
      .update(runs)
      .set({ leaseOwner: null, leaseExpiresAt: null })
      .where(and(eq(runs.id, run.id), eq(runs.fencing, run.fencing)))
      .catch((error) => log.warn({ err: error }, "could not release the FAILED run"));
  }
}

/** The handoff's view of a FAILED run: its outcome is FAILED and the failure is a reason. */
function failedRunContext(deps: FailedHandoffDeps, run: RunRow, leaseMs: number): PhaseContext {
  const parsed = parseRunContext(run.context);
  const reasons = [...(parsed.decision?.reasons ?? [])];
  if (run.error) reasons.push(`the run failed: ${run.error}`);
  const context = {
    ...parsed,
    decision: { decision: "exit" as const, outcome: "FAILED" as const, reasons },
  };
  const scope = scopeOf(parsed);
  return {
    run: { ...run, pendingOutcome: "FAILED", context },
    context,
    phase: "LINEAR_HANDOFF",
    db: deps.db,
    log: deps.log.child({ runId: run.id, handoff: "failed" }),
    signal: AbortSignal.timeout(leaseMs),
    now: deps.now ?? (() => new Date()),
    ...stepEffects(
      deps.db,
      { runId: run.id, fencing: run.fencing, workerId: deps.workerId, scope },
      deps.killSwitch,
    ),
  };
}
