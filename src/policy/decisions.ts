import type { Db, Tx } from "../db/client.ts";
import { policyDecisions } from "../db/schema.ts";
import { evaluate, type GateRequest, type GateResult } from "./evaluate.ts";
import type { EffectivePolicy } from "./types.ts";

/**
 * Writes one `policy_decisions` row (decision, matched rules, explanation, policy hash).
 * Pass the transaction of the step the decision gates, so both commit together.
 */
async function recordDecision(
  tx: Db | Tx,
  runId: string | null | undefined,
  action: string,
  result: GateResult,
): Promise<{ id: number }> {
  const [row] = await tx
    .insert(policyDecisions)
    .values({
      runId: runId ?? null,
      action,
      decision: result.decision,
      matchedRules: result.matchedRules,
      explanation: result.explanation,
      policyHash: result.policyHash,
    })
    .returning({ id: policyDecisions.id });
  return { id: row!.id };
}

/**
 * The gate as callers should use it: {@link evaluate}, then {@link recordDecision}, so
 * that every gate evaluation leaves a decision record (DESIGN.md, "Policy and
 * governance"). Returns the result with the record's id.
 */
export async function evaluateAndRecord(
  db: Db | Tx,
  policy: EffectivePolicy & { hash: string },
  request: GateRequest,
): Promise<GateResult & { decisionId: number }> {
  const result = evaluate(policy, request);
  const { id } = await recordDecision(db, request.runId, request.action, result);
  return { ...result, decisionId: id };
}
