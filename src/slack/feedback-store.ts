import { and, asc, eq } from "drizzle-orm";
import { appendAudit } from "../audit/audit.ts";
import type { Db } from "../db/client.ts";
import { verdictFeedback } from "../db/schema.ts";

export type FeedbackRow = typeof verdictFeedback.$inferSelect;

/**
 * Stores one user's feedback on a run's verdict: one row per run and user, a second
 * answer replaces the first. The row and its audit event commit together
 * (`feedback.recorded`, or `feedback.updated` with the previous answer).
 */
export async function recordFeedback(
  db: Db,
  input: {
    runId: string;
    userId: string;
    verdict: "right" | "wrong";
    prodeOutcome: string | null;
    correctOutcome: string | null;
    at: Date;
  },
): Promise<{ updated: boolean }> {
  return db.transaction(async (tx) => {
    const values = {
      verdict: input.verdict,
      prodeOutcome: input.prodeOutcome,
      correctOutcome: input.correctOutcome,
      updatedAt: input.at,
    };
    // The first answer inserts; a concurrent first answer of the same user waits on the
    // key here and then finds the row, so exactly one of them is "recorded".
    const inserted = await tx
      .insert(verdictFeedback)
      .values({ runId: input.runId, userId: input.userId, ...values, createdAt: input.at })
      .onConflictDoNothing()
      .returning({ runId: verdictFeedback.runId });
    let previous: FeedbackRow | undefined;
    if (inserted.length === 0) {
      [previous] = await tx
        .select()
        .from(verdictFeedback)
        .where(
          and(eq(verdictFeedback.runId, input.runId), eq(verdictFeedback.userId, input.userId)),
        )
        .for("update");
      await tx
        .update(verdictFeedback)
        .set(values)
        .where(
          and(eq(verdictFeedback.runId, input.runId), eq(verdictFeedback.userId, input.userId)),
        );
    }
    await appendAudit(tx, {
      runId: input.runId,
      type: previous ? "feedback.updated" : "feedback.recorded",
      actor: `slack:${input.userId}`,
      payload: {
        verdict: input.verdict,
        prodeOutcome: input.prodeOutcome,
        correctOutcome: input.correctOutcome,
        ...(previous
          ? { previous: { verdict: previous.verdict, correctOutcome: previous.correctOutcome } }
          : {}),
      },
      at: input.at,
    });
    return { updated: previous !== undefined };
  });
}

/** A run's feedback, oldest first. */
export async function feedbackOf(db: Db, runId: string): Promise<FeedbackRow[]> {
  return db
    .select()
    .from(verdictFeedback)
    .where(eq(verdictFeedback.runId, runId))
    .orderBy(asc(verdictFeedback.createdAt));
}

/** "2 right, 1 wrong (said NO_CODE_CHANGE)": feedback in a line, or "" when there is none. */
export function feedbackSummary(rows: readonly FeedbackRow[]): string {
  if (rows.length === 0) return "";
  const right = rows.filter((r) => r.verdict === "right").length;
  const wrong = rows.filter((r) => r.verdict === "wrong");
  const said = [...new Set(wrong.map((r) => r.correctOutcome).filter((o) => o !== null))];
  return [
    right > 0 ? `${right} right` : "",
    wrong.length > 0
      ? `${wrong.length} wrong${said.length ? ` (said ${said.join(", ")})` : ""}`
      : "",
  ]
    .filter((s) => s !== "")
    .join(", ");
}
