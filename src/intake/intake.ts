import { and, eq, isNull } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../db/client.ts";
import { runs } from "../db/schema.ts";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { TICKET_KEY } from "../domain/evidence-context.ts";
import { type RunStarter, starterFromActor } from "../domain/run-starter.ts";
import { createRun, stopRun } from "../runner/runs.ts";
import type { RunnerDeps } from "../runner/types.ts";

export interface IntakeDeps {
  db: Db;
  enqueue: RunnerDeps["enqueue"];
  log: Logger;
  triggerLabels: readonly string[];
  /** The process's clock (the simulated world's in the demo): a run's start is stamped by it. */
  now?: () => Date;
}

/**
 * The longest ticket key accepted: Linear team keys are short (a few letters) and issue
 * numbers fit in nine digits; anything longer is not a key, and is refused before it
 * reaches a query, a job id or a log line.
 */
export const MAX_TICKET_KEY_LENGTH = 32;

/** The ticket key as prode stores it (trimmed, upper case), or a BadInput naming the rule. */
export function normalizeTicketKey(ticketKey: string): string {
  if (
    ticketKey.length > 4 * MAX_TICKET_KEY_LENGTH ||
    ticketKey.trim().length > MAX_TICKET_KEY_LENGTH
  ) {
    throw new AppError(
      ErrorCode.BadInput,
      `a Linear ticket key has at most ${MAX_TICKET_KEY_LENGTH} characters`,
    );
  }
  const key = ticketKey.trim().toUpperCase();
  if (!TICKET_KEY.test(key)) {
    throw new AppError(
      ErrorCode.BadInput,
      `'${ticketKey}' is not a Linear ticket key (e.g. ENG-123)`,
    );
  }
  return key;
}

/** `/prode triage ENG-123` and `prode triage ENG-123`: start a run, or join the active one. */
export async function startTriage(
  deps: IntakeDeps,
  ticketKey: string,
  actor: string,
  trigger = "manual",
  /** Who started it (the requester of its approvals); read from `actor` when absent. */
  startedBy: RunStarter = starterFromActor(actor),
) {
  const key = normalizeTicketKey(ticketKey);
  const { run, created } = await createRun(deps, {
    ticket: key,
    trigger,
    actor,
    context: { startedBy },
    ...(deps.now ? { createdAt: deps.now() } : {}),
  });
  return { runId: run.id, created };
}

/** Ends the ticket's active run as SUPERSEDED (a human closed, removed or duplicated it). */
export async function supersedeActive(
  deps: Pick<IntakeDeps, "db">,
  key: string,
  why: string,
  actor = "linear-webhook",
): Promise<string | null> {
  const [active] = await deps.db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.ticket, key), isNull(runs.outcome)));
  if (!active) return null;
  await stopRun(deps.db, active.id, "SUPERSEDED", actor, why);
  return active.id;
}
