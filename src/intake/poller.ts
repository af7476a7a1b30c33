import { eq } from "drizzle-orm";
import type { LinearGateway } from "../adapters/linear/client.ts";
import { runs } from "../db/schema.ts";
import { isClosedStateType } from "../phases/ticket.ts";
import { type IntakeDeps, startTriage, supersedeActive } from "./intake.ts";

/** How far back the first pass after a start looks: covers webhooks missed while down. */
export const FIRST_PASS_LOOKBACK_MS = 24 * 60 * 60_000;
/** Added to every later pass's lookback: a pass that overlaps the previous one loses nothing. */
export const POLL_OVERLAP_MS = 5 * 60_000;

/**
 * The fallback for missed webhooks: tickets with a trigger label (every page of them),
 * updated within `updatedWithinMs` by Linear's clock (all of them when undefined), that
 * never had a run get one; closed ones end their active run as SUPERSEDED. One pass;
 * the caller schedules it
 * (src/compose/poller-schedule.ts: once per cluster, through a BullMQ job scheduler).
 */
export async function pollOnce(
  deps: IntakeDeps & { linear: LinearGateway },
  updatedWithinMs?: number,
): Promise<string[]> {
  const issues = await deps.linear.listLabelled([...deps.triggerLabels], updatedWithinMs);
  const started: string[] = [];
  for (const issue of issues) {
    if (isClosedStateType(issue.stateType)) {
      // Closed by a human while a run was active, and the webhook that said so was missed.
      const stopped = await supersedeActive(
        deps,
        issue.identifier,
        "ticket closed (seen by the poller)",
        "poller",
      );
      if (stopped)
        deps.log.info({ runId: stopped, ticket: issue.identifier }, "poller superseded a run");
      continue;
    }
    const [seen] = await deps.db
      .select({ id: runs.id })
      .from(runs)
      .where(eq(runs.ticket, issue.identifier))
      .limit(1);
    if (seen) continue;
    const { runId, created } = await startTriage(deps, issue.identifier, "poller", "poller");
    if (created) started.push(runId);
  }
  if (started.length) deps.log.info({ started }, "poller started runs for missed tickets");
  return started;
}
