import { asc, gte, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { learnings } from "../db/schema.ts";
import type { CandidateLearning } from "./candidate.ts";

export type StoredLearning = CandidateLearning & { createdAt: Date; updatedAt: Date };

/**
 * Stores a run's candidate learning: one row per run. A rerun of the phase (a crash after
 * the insert, the step retried) rewrites the same row rather than adding one; `created_at`
 * keeps the first write.
 */
export async function saveCandidateLearning(db: Db, learning: CandidateLearning): Promise<void> {
  const { runId, ...rest } = learning;
  await db
    .insert(learnings)
    .values(learning)
    .onConflictDoUpdate({
      target: learnings.runId,
      set: { ...rest, updatedAt: sql`now()` },
    });
}

/** Candidate learnings created at or after `since` (all when absent), oldest first. */
export async function listCandidateLearnings(
  db: Db,
  { since }: { since?: Date } = {},
): Promise<StoredLearning[]> {
  return db
    .select()
    .from(learnings)
    .where(since ? gte(learnings.createdAt, since) : undefined)
    .orderBy(asc(learnings.createdAt), asc(learnings.runId));
}
