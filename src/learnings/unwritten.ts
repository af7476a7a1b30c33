import { and, desc, eq, gte, isNotNull, isNull, or } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { learnings, runs } from "../db/schema.ts";
import type { EvidenceBundle } from "../domain/evidence-bundle.ts";
import { type RunContext, RunContextSchema } from "../domain/run-context.ts";
import { getArtifact } from "../runner/artifacts.ts";
import type { Redactor } from "../safety/redact.ts";
import { buildCandidateLearning } from "./candidate.ts";
import type { StoredLearning } from "./store.ts";

/**
 * The candidate learnings of finished runs that never reached WRITE_CANDIDATE_LEARNING: a
 * run that FAILED, or was SUPERSEDED, stops without it. Built from the run as stored and
 * returned, not inserted, so the export covers every exit while staying read-only.
 */
export async function learningsOfUnwrittenRuns(
  db: Db,
  { since, redactor }: { since?: Date; redactor: Redactor },
): Promise<StoredLearning[]> {
  const ended = since
    ? or(gte(runs.endedAt, since), and(isNull(runs.endedAt), gte(runs.createdAt, since)))
    : undefined;
  const rows = await db
    .select({ run: runs })
    .from(runs)
    .leftJoin(learnings, eq(learnings.runId, runs.id))
    .where(and(isNotNull(runs.outcome), isNull(learnings.runId), ended))
    .orderBy(desc(runs.createdAt));
  const out: StoredLearning[] = [];
  for (const { run } of rows) {
    // A context an older prode wrote may not parse: the learning then says less, not nothing.
    const parsed = RunContextSchema.safeParse(run.context);
    const context: RunContext = parsed.success ? parsed.data : {};
    const bundle = context.bundleSha
      ? await getArtifact<EvidenceBundle>(db, run.id, context.bundleSha)
      : undefined;
    const learning = buildCandidateLearning(
      {
        runId: run.id,
        ticket: run.ticket,
        outcome: run.outcome ?? "RUN_COMPLETE",
        context,
        rawContext: run.context,
        classification: bundle?.classification,
        error: run.error,
      },
      redactor,
    );
    const at = run.endedAt ?? run.createdAt;
    out.push({ ...learning, createdAt: at, updatedAt: at });
  }
  return out;
}
