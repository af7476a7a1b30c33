import { and, eq, isNull, sql } from "drizzle-orm";
import {
  appendEventCtes,
  eventParams,
  eventSource,
  GENESIS_HASH,
  prepareEvent,
} from "../audit/audit.ts";
import type { Db } from "../db/client.ts";
import { runs } from "../db/schema.ts";
import { param, statement } from "../db/statement.ts";
import { AppError, asAppError, ErrorCode } from "../domain/errors.ts";
import type { ExitOutcome, Phase, RunState } from "../domain/phases.ts";
import type { RunContext, RunContextPatch } from "../domain/run-context.ts";
import { newRunId } from "./ids.ts";
import { commitTransition, needsJob, runFromRow } from "./transition.ts";
import type { RunnerDeps, RunRow } from "./types.ts";

/**
 * A run's life outside the worker: created (or joined) by intake, moved out of a wait
 * phase by a human's decision, stopped when its ticket is closed. Each is one guarded
 * transition; the worker's side is src/runner/engine.ts.
 */

interface CreateRunInput {
  ticket: string;
  trigger: string;
  context?: RunContext;
  actor?: string;
  /** When it started by the process's clock (the world's in the demo); the database's otherwise. */
  createdAt?: Date;
}

/**
 * Inserts a run and starts its audit chain with `run.created`, in one statement; no row
 * when the ticket already has an active run.
 */
const CREATE = statement(
  () => sql`
    with moved as (
      insert into runs (id, ticket, phase, trigger, context, created_at)
      values (${param("id")}::text, ${param("ticket")}::text, 'QUEUED', ${param("trigger")}::text,
        ${param("context")}::jsonb, coalesce(${param("createdAt")}::timestamptz, now()))
      on conflict do nothing
      returning *
    ), head as (
      select 0 as seq, ${GENESIS_HASH}::text as hash from moved
    ), ${appendEventCtes(eventSource(sql`head`), { newChains: true })}
    select * from moved`,
);

/** Creates the ticket's run, or joins the active one (one active run per ticket). */
export async function createRun(
  deps: Pick<RunnerDeps, "db" | "enqueue">,
  input: CreateRunInput,
): Promise<{ run: RunRow; created: boolean }> {
  const id = newRunId();
  const event = prepareEvent({
    runId: id,
    type: "run.created",
    actor: input.actor ?? "prode",
    payload: { ticket: input.ticket, trigger: input.trigger },
  });
  const [row] = await CREATE(deps.db, {
    id,
    ticket: input.ticket,
    trigger: input.trigger,
    context: JSON.stringify(input.context ?? {}),
    createdAt: input.createdAt?.toISOString() ?? null,
    ...eventParams(event),
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

/**
 * Moves a run out of a wait phase (an approval decided, a PR merged). Guarded by the
 * step the caller read, so two deciders cannot both move it.
 */
export async function advanceWaitingRun(
  deps: Pick<RunnerDeps, "db" | "enqueue">,
  input: (
    | { runId: string; from: Phase; to: Phase }
    | { runId: string; from: Phase; exit: ExitOutcome }
  ) & {
    /** What the decider learnt (who merged, why it stops), merged into the context. */
    patch?: RunContextPatch;
  },
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
          ...(input.patch ? { patch: input.patch } : {}),
          actor,
          description,
        })
      : await commitTransition(deps.db, {
          run,
          to: input.to,
          ...(input.patch ? { patch: input.patch } : {}),
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
