import {
  AUTONOMY_LEVELS,
  type Autonomy,
  autonomyRank,
  type DeliveryPolicy,
} from "../policy/types.ts";

/**
 * How far a run that passed the evidence gate may go (DESIGN.md, "Delivery"): the
 * highest autonomy level at or below the policy's whose confidence floor the
 * classification reaches. A service without a repository gets analysis only (there is
 * no code to change); one without checks gets a proposed patch at most (prode would open
 * a PR it could not verify). Pure, so the band is explainable and tested.
 */
export interface DeliveryBand {
  band: Autonomy;
  /** Why the band is what it is, one sentence each, for the decision and the handoff. */
  reasons: string[];
}

export function deliveryBand(input: {
  policy: Pick<DeliveryPolicy, "autonomy" | "confidence_floors" | "checks">;
  confidence: number;
  repository: string | undefined;
}): DeliveryBand {
  const { policy, confidence } = input;
  const reasons: string[] = [];
  let ceiling = policy.autonomy;
  if (!input.repository) {
    return {
      band: "analysis_only",
      reasons: ["the service has no repository in the catalog, so there is no code to change"],
    };
  }
  if (autonomyRank(ceiling) > autonomyRank("proposed_patch") && policy.checks.length === 0) {
    ceiling = "proposed_patch";
    reasons.push(
      "the service declares no checks (delivery.checks), so a patch is proposed, not a PR",
    );
  }
  const levels = AUTONOMY_LEVELS.filter((l) => autonomyRank(l) <= autonomyRank(ceiling)).reverse();
  for (const level of levels) {
    if (level === "analysis_only") break;
    const floor = policy.confidence_floors[level];
    if (confidence >= floor) {
      reasons.push(`confidence ${confidence}% reaches the ${level} floor of ${floor}%`);
      return { band: level, reasons };
    }
    reasons.push(`confidence ${confidence}% is below the ${level} floor of ${floor}%`);
  }
  if (policy.autonomy === "analysis_only") {
    reasons.push("the policy allows analysis only for this service");
  }
  return { band: "analysis_only", reasons };
}
