import { and, eq, isNull, sql } from "drizzle-orm";
import {
  appendEventCtes,
  eventSource,
  eventValues,
  GENESIS_HASH,
  prepareEvent,
} from "../audit/audit.ts";
import type { Db } from "../db/client.ts";
import { phaseTransitions, runs } from "../db/schema.ts";
import { param, statement } from "../db/statement.ts";
import { AppError, asAppError, ErrorCode } from "../domain/errors.ts";
import {
  defaultNextPhase,
  type ExitOutcome,
  isExitOutcome,
  type Phase,
  type RunState,
  WAIT_PHASES,
} from "../domain/phases.ts";
import { performEffect } from "./effects.ts";
import { newRunId } from "./ids.ts";
import { commitTransition, needsJob, runFromRow, type TransitionRequest } from "./transition.ts";
import type { PhaseContext, PhaseResult, RunnerDeps, RunRow } from "./types.ts";

/**
 * All run-lifecycle logic in one place: create, lease → execute one phase → commit one
 * transition → enqueue the next step. Postgres is the truth; the queue only wakes
 * workers, so every path here is safe to repeat.
 */

export interface CreateRunInput {
  ticket: string;
  trigger: string;
  context?: Record<string, unknown>;
  actor?: string;
}

const CREATED_EVENT = {
  chain: param("chain"),
  runId: param("id"),
  type: "run.created",
  actor: param("actor"),
  payload: param("payload"),
  createdAt: param("at"),
  body: param("body"),
};

/**
 * Inserts a run and starts its audit chain with `run.created`, in one statement; no row
 * when the ticket already has an active run.
 */
const CREATE = statement(
  () => sql`
    with moved as (
      insert into runs (id, ticket, phase, trigger, context)
      values (${param("id")}::text, ${param("ticket")}::text, 'QUEUED', ${param("trigger")}::text,
        ${param("context")}::jsonb)
      on conflict do nothing
      returning *
    ), head as (
      select 0 as seq, ${GENESIS_HASH}::text as hash from moved
    ), ${appendEventCtes(eventSource(CREATED_EVENT, sql`head`), { newChains: true })}
    select * from moved`,
);

/** Creates the ticket's run, or joins the active one (one active run per ticket). */
export async function createRun(
  deps: Pick<RunnerDeps, "db" | "enqueue">,
  input: CreateRunInput,
): Promise<{ run: RunRow; created: boolean }> {
  const id = newRunId();
  const event = eventValues(
    prepareEvent({
      runId: id,
      type: CREATED_EVENT.type,
      actor: input.actor ?? "prode",
      payload: { ticket: input.ticket, trigger: input.trigger },
    }),
  );
  const [row] = await CREATE(deps.db, {
    id,
    ticket: input.ticket,
    trigger: input.trigger,
    context: JSON.stringify(input.context ?? {}),
    chain: event.chain,
    actor: event.actor,
    payload: event.payload,
    at: event.createdAt,
    body: event.body,
  });
  if (row) {
    const inserted = runFromRow(row);
    await deps.enqueue({ runId: inserted.id, seq: inserted.seq, phase: "QUEUED" });
    return { run: inserted, created: true };
  }
  const [active] = await deps.db
    .select()
    .from(runs)
    .where(and(eq(runs.ticket, input.ticket), isNull(runs.outcome)));
  if (!active)
    throw new AppError(ErrorCode.Internal, `run for ${input.ticket} vanished`, { retryable: true });
  return { run: active, created: false };
}

/** The job for one step: (run, seq), and the lease handed to it, if any. */
export interface StepJob {
  runId: string;
  seq: number;
  /** The fencing counter of the lease the previous step handed to this job. */
  lease?: number;
  /** The queue delivered this job before (stalled or retried): never use a kept lease. */
  redelivered?: boolean;
}

export type StepOutcome =
  | "executed"
  | "stale" // the job is for a step the run already left
  | "leased_elsewhere" // another worker holds the lease: it executes this step
  | "paused" // a kill switch stops the run before the phase
  | "released" // the phase was interrupted (shutdown, lost lease) and released
  | "retry" // a retryable failure: released for another attempt
  | "failed"; // the run ended FAILED

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
async function acquireLease(deps: RunnerDeps, job: StepJob): Promise<RunRow | undefined> {
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

async function releaseLease(deps: RunnerDeps, run: RunRow): Promise<void> {
  await RELEASE(deps.db, { id: run.id, fencing: run.fencing });
}

function scopeOf(run: RunRow): { team?: string; service?: string } {
  const ctx = run.context as { team?: unknown; service?: unknown };
  return {
    ...(typeof ctx.team === "string" ? { team: ctx.team } : {}),
    ...(typeof ctx.service === "string" ? { service: ctx.service } : {}),
  };
}

/** Where a handler's decision takes the run, as a transition request. */
function resolveNext(run: RunRow, phase: Phase, result: PhaseResult) {
  if (result.kind === "exit") {
    return {
      to: "LINEAR_HANDOFF" as RunState,
      exiting: true,
      pendingOutcome: result.outcome as string,
      description: result.description,
    };
  }
  if (result.kind === "stop") {
    return { to: result.outcome as RunState, exiting: false, description: result.description };
  }
  if (result.kind === "await_approval") {
    return {
      to: "AWAIT_APPROVAL" as RunState,
      exiting: false,
      resumePhase: result.resume as string,
      description: result.description,
    };
  }
  const pending = run.pendingOutcome;
  if (pending && isExitOutcome(pending) && !result.next) {
    // The handoff path of a stop: LINEAR_HANDOFF → WRITE_CANDIDATE_LEARNING → the exit.
    if (phase === "LINEAR_HANDOFF") {
      return {
        to: "WRITE_CANDIDATE_LEARNING" as RunState,
        exiting: true,
        description: `handed off (${pending})`,
      };
    }
    if (phase === "WRITE_CANDIDATE_LEARNING") {
      return { to: pending as RunState, exiting: true, description: `stopped: ${pending}` };
    }
  }
  const next = result.next ?? defaultNextPhase(phase);
  if (!next) throw new AppError(ErrorCode.IllegalTransition, `${phase} has no next phase`);
  return {
    to: next as RunState,
    exiting: false,
    description: result.description ?? `${phase} done`,
  };
}

/**
 * Executes the step (run, seq) if it is still current and this worker can lease it.
 * Exactly one worker executes each step: the lease UPDATE is the arbiter.
 */
export async function executeStep(
  deps: RunnerDeps,
  job: StepJob,
  shutdown?: AbortSignal,
): Promise<StepOutcome> {
  const run = await acquireLease(deps, job);
  if (!run) {
    const [current] = await deps.db.select().from(runs).where(eq(runs.id, job.runId));
    if (!current || current.seq !== job.seq || current.outcome) return "stale";
    return "leased_elsewhere";
  }
  const phase = run.phase as Phase;
  const log = deps.log.child({ runId: run.id, ticket: run.ticket, phase, seq: run.seq });
  if (WAIT_PHASES.has(phase) || !needsJob(phase)) {
    await releaseLease(deps, run);
    return "stale";
  }

  const scope = scopeOf(run);
  const engaged = deps.killSwitch ? await deps.killSwitch(scope) : null;
  if (engaged) {
    await releaseLease(deps, run);
    log.warn({ killSwitch: engaged }, "kill switch engaged; phase not started");
    return "paused";
  }

  // The heartbeat keeps the lease while the phase works; losing it aborts the phase.
  const controller = new AbortController();
  const onShutdown = () =>
    controller.abort(new AppError(ErrorCode.LeaseUnavailable, "worker shutting down"));
  shutdown?.addEventListener("abort", onShutdown, { once: true });
  const heartbeat = setInterval(() => {
    HEARTBEAT(deps.db, {
      id: run.id,
      fencing: run.fencing,
      owner: deps.workerId,
      lease_ms: deps.timing.leaseMs,
    })
      .then((rows) => {
        if (rows.length === 0) controller.abort(new AppError(ErrorCode.StaleFencing, "lease lost"));
      })
      .catch((error) => log.warn({ err: error }, "heartbeat failed"));
  }, deps.timing.heartbeatMs);
  heartbeat.unref();

  const ctx: PhaseContext = {
    run,
    phase,
    db: deps.db,
    log,
    signal: controller.signal,
    now: deps.now ?? (() => new Date()),
    effect: (spec) =>
      performEffect(
        deps.db,
        { runId: run.id, fencing: run.fencing, workerId: deps.workerId, ...scope },
        spec,
        deps.killSwitch,
      ),
  };

  try {
    const handler = deps.handlers[phase];
    const result: PhaseResult = handler ? await handler(ctx) : {};
    if (controller.signal.aborted) throw controller.signal.reason;
    const next = resolveNext(run, phase, result);
    const request: TransitionRequest = {
      run,
      to: next.to,
      fencing: run.fencing,
      exiting: next.exiting,
      actor: deps.workerId,
      description: next.description,
      ...(result.patch ? { patch: result.patch } : {}),
      ...("pendingOutcome" in next ? { pendingOutcome: next.pendingOutcome } : {}),
      ...("resumePhase" in next ? { resumePhase: next.resumePhase } : {}),
      ...(deps.handoffs && needsJob(next.to)
        ? { handoff: { owner: deps.workerId, leaseMs: deps.timing.leaseMs } }
        : {}),
    };
    const updated = await commitOrFindOwn(deps, request);
    if (needsJob(updated.phase as RunState)) {
      const handed = updated.leaseOwner === deps.workerId;
      if (handed) deps.handoffs?.keep(updated);
      await deps.enqueue({
        runId: updated.id,
        seq: updated.seq,
        phase: updated.phase as Phase,
        ...(handed ? { lease: updated.fencing } : {}),
      });
    }
    return "executed";
  } catch (thrown) {
    const error = asAppError(controller.signal.aborted ? controller.signal.reason : thrown);
    if (error.code === ErrorCode.StaleFencing) {
      log.warn({ err: error }, "stale writer; leaving the run to its current owner");
      return "stale";
    }
    if (controller.signal.aborted || error.code === ErrorCode.LeaseUnavailable) {
      await releaseLease(deps, run);
      log.info("phase interrupted; lease released for another worker");
      return "released";
    }
    if (error.code === ErrorCode.KillSwitchEngaged) {
      await releaseLease(deps, run);
      log.warn({ err: error }, "kill switch engaged during the phase; paused before the effect");
      return "paused";
    }
    if (error.retryable && run.attempt < deps.timing.maxAttempts) {
      await releaseLease(deps, run);
      log.warn({ err: error, attempt: run.attempt }, "phase failed; will retry");
      return "retry";
    }
    log.error({ err: error }, "phase failed; run FAILED");
    await commitTransition(deps.db, {
      run,
      to: "FAILED",
      fencing: run.fencing,
      actor: deps.workerId,
      description: `${phase} failed: ${error.code}`,
      error: `${error.code}: ${error.message}`,
    }).catch((e) => log.error({ err: e }, "could not record FAILED"));
    return "failed";
  } finally {
    clearInterval(heartbeat);
    shutdown?.removeEventListener("abort", onShutdown);
  }
}

/**
 * Commits the step's transition. A commit reported stale may still be this worker's own:
 * when a connection drops after Postgres committed a batch, its one-by-one retry finds
 * the run moved on (ADR 0011). The transition row then names this worker and its
 * fencing counter; the run is read back and the step goes on, instead of leaving the
 * run leased to nobody until the lease expires.
 */
async function commitOrFindOwn(deps: RunnerDeps, request: TransitionRequest): Promise<RunRow> {
  try {
    return await (deps.commits ? deps.commits.commit(request) : commitTransition(deps.db, request));
  } catch (error) {
    if (asAppError(error).code !== ErrorCode.StaleFencing) throw error;
    const { run } = request;
    const [own] = await deps.db
      .select({ seq: phaseTransitions.seq })
      .from(phaseTransitions)
      .where(
        and(
          eq(phaseTransitions.runId, run.id),
          eq(phaseTransitions.seq, run.seq + 1),
          eq(phaseTransitions.worker, deps.workerId),
          eq(phaseTransitions.fencing, run.fencing),
        ),
      );
    const [current] = own ? await deps.db.select().from(runs).where(eq(runs.id, run.id)) : [];
    if (!current || current.seq !== run.seq + 1) throw error;
    deps.log.warn({ runId: run.id, seq: current.seq }, "commit reported stale was ours; going on");
    return current;
  }
}

/**
 * Moves a run out of a wait phase (an approval decided, a PR merged). Guarded by the
 * step the caller read, so two deciders cannot both move it.
 */
export async function advanceWaitingRun(
  deps: Pick<RunnerDeps, "db" | "enqueue">,
  input:
    | { runId: string; from: Phase; to: Phase }
    | { runId: string; from: Phase; exit: ExitOutcome },
  actor: string,
  description: string,
): Promise<RunRow> {
  const [run] = await deps.db.select().from(runs).where(eq(runs.id, input.runId));
  if (!run) throw new AppError(ErrorCode.RunNotFound, `no run ${input.runId}`);
  if (run.phase !== input.from) {
    throw new AppError(
      ErrorCode.IllegalTransition,
      `run ${run.id} is at ${run.phase}, not ${input.from}`,
    );
  }
  const updated =
    "exit" in input
      ? await commitTransition(deps.db, {
          run,
          to: "LINEAR_HANDOFF",
          exiting: true,
          pendingOutcome: input.exit,
          actor,
          description,
        })
      : await commitTransition(deps.db, {
          run,
          to: input.to,
          actor,
          description,
          resumePhase: null,
        });
  if (needsJob(updated.phase as RunState)) {
    await deps.enqueue({ runId: updated.id, seq: updated.seq, phase: updated.phase as Phase });
  }
  return updated;
}

/** Ends a run at once (a human closed the ticket, an operator stopped it). Fences out any lease holder. */
export async function stopRun(
  db: Db,
  runId: string,
  outcome: "SUPERSEDED" | "FAILED",
  actor: string,
  description: string,
): Promise<RunRow | null> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const [run] = await db.select().from(runs).where(eq(runs.id, runId));
    if (!run || run.outcome) return null;
    try {
      return await commitTransition(db, { run, to: outcome, fence: true, actor, description });
    } catch (error) {
      if (asAppError(error).code !== ErrorCode.StaleFencing) throw error;
    }
  }
  throw new AppError(ErrorCode.StaleFencing, `run ${runId} kept moving; could not stop it`, {
    retryable: true,
  });
}
