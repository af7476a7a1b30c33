import { inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { runs } from "../db/schema.ts";
import { DELIVERY_PHASES, type Phase } from "../domain/phases.ts";
import { listWorktreeRunIds, removeWorktree } from "./worktree.ts";

/**
 * The reconciler's worktree sweep (DESIGN.md, Reconciler): a run's worktree is removed on
 * every exit, but a worker killed mid-delivery leaves its directory behind. A directory
 * whose run is no longer in a delivery phase (stopped, waiting for review, or unknown to
 * this database) is removed; a run still delivering keeps its own. Returns the run ids
 * swept.
 */
export async function sweepOrphanWorktrees(db: Db, root: string): Promise<string[]> {
  const ids = await listWorktreeRunIds(root);
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: runs.id, phase: runs.phase, outcome: runs.outcome })
    .from(runs)
    .where(inArray(runs.id, ids));
  const delivering = new Set(
    rows
      .filter((r) => r.outcome === null && DELIVERY_PHASES.has(r.phase as Phase))
      .map((r) => r.id),
  );
  const orphans = ids.filter((id) => !delivering.has(id));
  for (const id of orphans) await removeWorktree(root, id);
  return orphans;
}
