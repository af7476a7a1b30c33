import { and, count, desc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { runs } from "../db/schema.ts";

interface ActiveRun {
  id: string;
  ticket: string;
  phase: string;
  createdAt: Date;
  phaseStartedAt: Date;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  pendingApprovals: number;
}

/**
 * Active runs, newest first, for `prode status` and `/prode status`. Served by the
 * partial index on active runs, so it stays fast with 100k ended runs in the table.
 */
export async function listActiveRuns(
  db: Db,
  limit = 50,
): Promise<{ total: number; runs: ActiveRun[] }> {
  const rows = await db
    .select({
      id: runs.id,
      ticket: runs.ticket,
      phase: runs.phase,
      createdAt: runs.createdAt,
      phaseStartedAt: runs.phaseStartedAt,
      leaseOwner: runs.leaseOwner,
      leaseExpiresAt: runs.leaseExpiresAt,
      // Qualified by hand: inside a subquery drizzle prints columns without their table.
      pendingApprovals: sql<number>`(select count(*)::int from approvals a
        where a.run_id = runs.id and a.status = 'pending')`,
    })
    .from(runs)
    .where(isNull(runs.outcome))
    .orderBy(desc(runs.createdAt))
    .limit(limit);
  return { total: await countActiveRuns(db), runs: rows };
}

/** Runs without an outcome (the partial index `runs_active_by_created`). */
export async function countActiveRuns(db: Db): Promise<number> {
  const [total] = await db.select({ n: count() }).from(runs).where(isNull(runs.outcome));
  return total?.n ?? 0;
}

/** The newest run for a ticket key or a run id. */
export async function findRun(db: Db, ticketOrRun: string) {
  const [byId] = await db.select().from(runs).where(eq(runs.id, ticketOrRun));
  if (byId) return byId;
  const [byTicket] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.ticket, ticketOrRun.toUpperCase())))
    .orderBy(desc(runs.createdAt))
    .limit(1);
  return byTicket;
}
