import { and, eq, sql } from "drizzle-orm";
import { phaseTransitions, runs } from "../db/schema.ts";
import { AppError, asAppError, ErrorCode } from "../domain/errors.ts";
import type { Phase, RunState } from "../domain/phases.ts";
import { parseRunContext, type RunContext, scopeOf } from "../domain/run-context.ts";
import { stepEffects } from "./effects.ts";
import { acquireLease, releaseLease, startHeartbeat } from "./lease.ts";
import { resolveNext } from "./next-step.ts";
import { DEFAULT_PROVIDER_WAIT, decideRetry } from "./retry-policy.ts";
import { commitTransition, needsJob } from "./transition.ts";
import type {
  PhaseContext,
  PhaseResult,
  RunnerDeps,
  RunRow,
  StepJob,
  TransitionRequest,
} from "./types.ts";

/**
 * The worker's side of a run: lease → execute one phase → commit one transition →
 * enqueue the next step. Postgres is the truth; the queue only wakes workers, so every
 * path here is safe to repeat. Creating, advancing and stopping runs: runs.ts.
 */

/** The capability kill switch that stops a phase before it starts (effects check their own). */
const PHASE_CAPABILITY: Partial<Record<Phase, string>> = {
  CREATE_WORKTREE: "create_worktree",
  IMPLEMENT: "run_coding_agent",
  VERIFY: "run_coding_agent",
};

export type StepOutcome =
  | "executed"
  | "stale" // the job is for a step the run already left
  | "leased_elsewhere" // another worker holds the lease: it executes this step
  | "paused" // a kill switch stops the run before the phase
  | "released" // the phase was interrupted (shutdown, lost lease) and released
  | "retry" // a retryable failure: released for another attempt
  | "waiting" // released to wait (a provider's trouble, an effect in flight): see onWait
  | "failed"; // the run ended FAILED

/** The team and service a run belongs to, for kill switches and policy. */
export function runScope(run: Pick<RunRow, "context">): { team?: string; service?: string } {
  return scopeOf(parseRunContext(run.context));
}

/**
 * Executes the step (run, seq) if it is still current and this worker can lease it.
 * Exactly one worker executes each step: the lease UPDATE is the arbiter.
 */
export async function executeStep(
  deps: RunnerDeps,
  job: StepJob,
  shutdown?: AbortSignal,
  /** Told how long a "waiting" step waits; the worker delays the step's job that long. */
  onWait?: (delayMs: number) => void,
): Promise<StepOutcome> {
  const run = await acquireLease(deps, job);
  if (!run) {
    const [current] = await deps.db.select().from(runs).where(eq(runs.id, job.runId));
    if (!current || current.seq !== job.seq || current.outcome) return "stale";
    return "leased_elsewhere";
  }
  const phase = run.phase as Phase;
  const log = deps.log.child({ runId: run.id, ticket: run.ticket, phase, seq: run.seq });
  if (!needsJob(phase)) {
    await releaseLease(deps, run);
    return "stale";
  }
  const now = deps.now ?? (() => new Date());
  const earlyMs = run.wakeAt ? run.wakeAt.getTime() - now().getTime() : 0;
  if (earlyMs > 0) {
    // A job woke a step before it is due (enqueued without its delay, ADR 0017): it goes
    // back to sleep for the time left, and this wake-up does not count as an attempt.
    await deferEarlyStep(deps, run);
    log.info({ wakeAt: run.wakeAt, earlyMs }, "step not due yet; waiting");
    onWait?.(earlyMs);
    return "waiting";
  }

  let context: RunContext;
  try {
    context = parseRunContext(run.context);
  } catch (thrown) {
    // Not retryable: the stored context will not change by itself, and no phase can be
    // trusted to read it.
    return failRun(deps, run, phase, asAppError(thrown), log);
  }
  const scope = scopeOf(context);
  // A code-changing phase is also stopped by its capability's switch (a worktree, the
  // coding agent), before it starts: its work is not one effect the ledger could stop.
  const capability = PHASE_CAPABILITY[phase];
  const engaged = deps.killSwitch
    ? await deps.killSwitch({ ...scope, ...(capability ? { capability } : {}) })
    : null;
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
  const stopHeartbeat = startHeartbeat(deps, run, (reason) => controller.abort(reason), log);

  const ctx: PhaseContext = {
    run,
    context,
    phase,
    db: deps.db,
    log,
    signal: controller.signal,
    now,
    ...stepEffects(
      deps.db,
      { runId: run.id, fencing: run.fencing, workerId: deps.workerId, scope },
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
      ...next,
      fencing: run.fencing,
      actor: deps.workerId,
      ...(result.patch ? { patch: result.patch } : {}),
      // A step due later is released, not handed on: no lease waits out its delay.
      ...(deps.handoffs && needsJob(next.to) && !next.wakeAt
        ? { handoff: { owner: deps.workerId, leaseMs: deps.timing.leaseMs } }
        : {}),
    };
    const updated = await commitOrFindOwn(deps, request);
    if (needsJob(updated.phase as RunState)) {
      const handed = updated.leaseOwner === deps.workerId;
      if (handed) deps.handoffs?.keep(updated);
      const delayMs = updated.wakeAt ? updated.wakeAt.getTime() - now().getTime() : 0;
      await deps.enqueue(
        {
          runId: updated.id,
          seq: updated.seq,
          phase: updated.phase as Phase,
          ...(handed ? { lease: updated.fencing } : {}),
        },
        delayMs > 0 ? { delayMs } : {},
      );
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
    const decision = decideRetry(error, {
      attempt: run.attempt,
      maxAttempts: deps.timing.maxAttempts,
      startedAt: run.phaseStartedAt,
      now: new Date(),
      policy: deps.timing.providerWait ?? DEFAULT_PROVIDER_WAIT,
    });
    if (decision.kind === "wait") {
      await releaseLease(deps, run);
      log.warn(
        { err: error, attempt: run.attempt, delayMs: decision.delayMs, why: decision.why },
        decision.why === "in_flight"
          ? "an effect's earlier attempt may still land; waiting before looking it up"
          : "provider trouble; the step waits and retries",
      );
      onWait?.(decision.delayMs);
      return "waiting";
    }
    if (decision.kind === "retry") {
      await releaseLease(deps, run);
      log.warn({ err: error, attempt: run.attempt }, "phase failed; will retry");
      return "retry";
    }
    return await failRun(
      deps,
      run,
      phase,
      decision.reason
        ? new AppError(error.code, `${error.message}; ${decision.reason}`, { cause: error })
        : error,
      log,
    );
  } finally {
    stopHeartbeat();
    shutdown?.removeEventListener("abort", onShutdown);
  }
}

/**
 * Releases a step woken before its `wake_at` and gives back the attempt the lease took:
 * waiting for a due time is not a failure, so it must not bring the run nearer FAILED.
 */
async function deferEarlyStep(deps: RunnerDeps, run: RunRow): Promise<void> {
  await deps.db
    .update(runs)
    .set({ leaseOwner: null, leaseExpiresAt: null, attempt: sql`greatest(${runs.attempt} - 1, 0)` })
    .where(and(eq(runs.id, run.id), eq(runs.fencing, run.fencing)));
}

/** Ends the run FAILED with the error that stopped its step. */
async function failRun(
  deps: RunnerDeps,
  run: RunRow,
  phase: Phase,
  error: AppError,
  log: RunnerDeps["log"],
): Promise<"failed"> {
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
