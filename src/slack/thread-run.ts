import { and, desc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { effects, runs } from "../db/schema.ts";
import type { RunRow } from "../runner/types.ts";
import { PARENT_EFFECT } from "./notifier.ts";

/**
 * The run whose triage thread this is: the run whose parent message (the `slack.parent`
 * effect's result, a message ref) has this channel and ts. A rerun posts a parent of its
 * own, so each thread names one run.
 */
export async function runOfThread(
  db: Db,
  thread: { channel: string; ts: string },
): Promise<RunRow | undefined> {
  const [row] = await db
    .select({ run: runs })
    .from(effects)
    .innerJoin(runs, eq(runs.id, effects.runId))
    .where(
      and(
        // A literal, not a parameter: the partial index effects_parent_ts is chosen only
        // when the planner sees the name it was built for (prepared statements plan
        // generically after a few runs).
        sql`${effects.name} = ${sql.raw(`'${PARENT_EFFECT}'`)}`,
        eq(effects.status, "done"),
        sql`${effects.result}->>'ts' = ${thread.ts}`,
        sql`${effects.result}->>'channel' = ${thread.channel}`,
      ),
    )
    .orderBy(desc(runs.createdAt))
    .limit(1);
  return row?.run;
}
