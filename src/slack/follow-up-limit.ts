import { and, count, eq, gt, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { auditEvents } from "../db/schema.ts";

/**
 * Follow-up answers a user (or, without `actor`, everyone) got in one thread since `since`, counted from the audit (each
 * answer is audited), so the limit holds across web and worker processes and restarts.
 */
export async function countRecentFollowUps(
  db: Db,
  input: { runId: string; actor?: string; thread: string; since: Date },
): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.runId, input.runId),
        eq(auditEvents.type, "follow_up.answered"),
        input.actor === undefined ? undefined : eq(auditEvents.actor, input.actor),
        gt(auditEvents.createdAt, input.since),
        sql`${auditEvents.payload}->>'thread' = ${input.thread}`,
      ),
    );
  return row?.n ?? 0;
}
