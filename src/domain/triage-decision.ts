import { classify } from "./classifier.ts";
import { identityConflicts } from "./classifier-conflicts.ts";
import { decideGate, type GateDecision } from "./classifier-gate.ts";
import { indexSignals, type SignalIndex } from "./classifier-index.ts";
import { toClassifierInput } from "./classifier-input.ts";
import { scheduledAlarmWithoutImpact } from "./classifier-rules-recurrence.ts";
import type { Classification } from "./classifier-schema.ts";
import { type InfraKind, infraKind } from "./classifier-text.ts";
import { flappingAlarmOf } from "./classifier-text-no-impact.ts";
import {
  EVIDENCE_BUNDLE_SCHEMA_VERSION,
  type EvidenceBundle,
  type Impact,
  type Mitigation,
  type VerificationItem,
} from "./evidence-bundle.ts";
import type { LinearSnapshot, OperationalMemory, ToolMap } from "./evidence-context.ts";
import { investigationOf } from "./investigation.ts";
import type { ServiceResolution } from "./service-resolution.ts";
import type { SignalOf } from "./signals.ts";
import type { SpecialistOutput } from "./specialist-output.ts";

/** A production write the evidence calls for; prode only ever asks a human to run it. */
interface DataCorrection {
  table: string;
  /** The action in words, the approval message's title: "Backfill t (12 derived rows)". */
  summary: string;
  statement: string;
  affectsRows: number;
  /** The one risk level of this write: the handoff's mitigation and the approval show it. */
  riskLevel: Mitigation["risk"];
  /** "high: rewrites …": the level first, as the approval's risk field is read. */
  risk: string;
  rollback: string;
}

/**
 * A production write is high risk: it changes customer-visible data outside a deploy and
 * its rollback depends on a snapshot taken first. Policy's default for the
 * `production_write` approval class is the same level; stating it here keeps the handoff
 * and the approval message from disagreeing.
 */
const DATA_CORRECTION_RISK: Mitigation["risk"] = "high";

interface TriageDecision {
  classification: Classification;
  gate: GateDecision;
  correction?: DataCorrection;
  impact: Impact;
  mitigations: Mitigation[];
  verification: VerificationItem[];
}

/** The backfill the evidence proposes, exactly; or a template naming what is known. */
function proposeCorrection(signals: SignalIndex, runId: string): DataCorrection | undefined {
  const stale = signals.of("stale_derived_rows")[0]?.signal;
  if (!stale) return undefined;
  const header = `-- Proposed by prode (run ${runId}); prode never runs it. Review, then run in a transaction.\n-- ${stale.table}: ${stale.staleCount} of ${stale.totalCount} derived rows disagree with their source of truth.\n`;
  const statement = stale.proposedCorrection
    ? `${header}${stale.proposedCorrection.statement}`
    : `${header}-- The owning team writes the recompute for ${stale.table}; approve only the final text.`;
  const rows = stale.proposedCorrection?.affectsRows ?? stale.staleCount;
  return {
    table: stale.table,
    summary: `Backfill ${stale.table} (${rows} derived row${rows === 1 ? "" : "s"} from their source of truth)`,
    statement,
    affectsRows: stale.proposedCorrection?.affectsRows ?? stale.staleCount,
    riskLevel: DATA_CORRECTION_RISK,
    risk: `${DATA_CORRECTION_RISK}: rewrites ${stale.proposedCorrection?.affectsRows ?? stale.staleCount} derived rows of ${stale.table} in production`,
    rollback: `snapshot the affected ${stale.table} rows first (SELECT … INTO a backup table) and restore them from it`,
  };
}

function impactOf(classification: Classification, signals: SignalIndex, service?: string): Impact {
  const users = signals.of("user_impact")[0]?.signal;
  const widespread = classification.severity === "sev1";
  return {
    summary: classification.rootCauseHypothesis,
    scope: widespread
      ? "widespread"
      : classification.class === "noise"
        ? "isolated"
        : classification.class === "unknown"
          ? "unknown"
          : "partial",
    services: service ? [service] : [],
    ...(typeof users?.affectedUsers === "number" ? { affectedUsers: users.affectedUsers } : {}),
    customerVisible: classification.class !== "noise",
    blastRadius:
      classification.class === "infra"
        ? "work queued behind the saturated resource is delayed; a code change would not help"
        : classification.class === "noise"
          ? "none observed: no 5xx rise and no deploy correlation"
          : "requests on the failing path keep failing until fixed or rolled back",
  };
}

/**
 * What an infrastructure verdict asks of a human, by the story its statement tells
 * ({@link infraKind}): a zone or provider is routed around, a saturated dependency
 * relieved, a scale-out left to finish; queue and task shortfalls restore capacity.
 */
const INFRA_MITIGATIONS: Record<InfraKind, Mitigation> = {
  provider_incident: {
    action:
      "shift traffic away from the affected zone(s) and follow the provider's incident — a human action",
    kind: "config",
    risk: "medium",
    rollback: "return the zone to rotation once the provider recovers",
    requiresApproval: true,
    performedBy: "human",
  },
  zonal: {
    action:
      "drain the affected zone(s) (shift traffic and tasks to the healthy zones) and find what fails there — a human action",
    kind: "config",
    risk: "medium",
    rollback: "return the zone to rotation once it is healthy",
    requiresApproval: true,
    performedBy: "human",
  },
  dependency_saturated: {
    action:
      "relieve the saturated dependency (add capacity to it, or shed the load driving it) — a human action",
    kind: "scale",
    risk: "medium",
    rollback: "return the dependency to its previous size",
    requiresApproval: true,
    performedBy: "human",
  },
  scale_out: {
    action:
      "no change now: watch the scale-out finish (new tasks healthy, the alarm clears); raise the autoscaling ceiling only if it stalls there — a human decision",
    kind: "scale",
    risk: "low",
    rollback: "nothing to undo",
    requiresApproval: false,
    performedBy: "human",
  },
  operational_change: {
    action:
      "revert or fix the configuration change at the onset (the previous task definition revision, secret or parameter version) — a human action; no code change",
    kind: "config",
    risk: "medium",
    rollback: "re-apply the change once it is corrected",
    requiresApproval: true,
    performedBy: "human",
  },
  shared_dependency: {
    action:
      "find and restore the dependency the failing services share (what changed or failed at the onset) — a human action; no code change",
    kind: "config",
    risk: "medium",
    rollback: "nothing to undo until the dependency is identified",
    requiresApproval: true,
    performedBy: "human",
  },
  capacity: {
    action: "restore capacity (scale the consumer service to its desired count) — a human action",
    kind: "scale",
    risk: "low",
    rollback: "scale back to the previous desired count",
    requiresApproval: true,
    performedBy: "human",
  },
};

function mitigationsOf(
  classification: Classification,
  signals: SignalIndex,
  correction?: DataCorrection,
): Mitigation[] {
  const out: Mitigation[] = [];
  // A release that needs configuration its environment lacks: setting it is the fix, a
  // rollback the alternative (classifier-rules-code-config.ts).
  if (classification.class === "code_defect" && !classification.remedy.codeChange) {
    out.push({
      action:
        "set the required configuration value the release reads where the service's environment is defined (or roll back the release) — a human action; no code change",
      kind: "config",
      risk: "medium",
      rollback: "remove the value again (or redeploy the current release)",
      requiresApproval: true,
      performedBy: "human",
    });
  }
  if (classification.class === "code_defect") {
    out.push({
      action: "roll back to the previous release if the error rate keeps rising",
      kind: "rollback",
      risk: "medium",
      rollback: "redeploy the current release",
      requiresApproval: true,
      performedBy: "human",
    });
  }
  if (classification.remedy.codeChange) {
    out.push({
      action:
        "smallest safe code fix on the failing path, as a draft PR a human reviews and merges",
      kind: "code_change",
      risk: "low",
      rollback: "revert the PR",
      requiresApproval: false,
      performedBy: "prode",
    });
  }
  if (classification.class === "infra") out.push(INFRA_MITIGATIONS[infraKind(signals)]);
  const scheduled = scheduledAlarmWithoutImpact(signals).find(
    (t) => t.signal.kind === "recurring_alarm",
  )?.signal as SignalOf<"recurring_alarm"> | undefined;
  if (classification.class === "noise" && scheduled) {
    out.push({
      action: `tune alarm ${scheduled.alarm} so its daily scheduled load no longer pages: raise its threshold or evaluation periods, or suppress it over the window it fires in — a human action`,
      kind: "config",
      risk: "low",
      rollback: "restore the alarm's previous threshold and evaluation periods",
      requiresApproval: false,
      performedBy: "human",
    });
  }
  const flapping = classification.class === "noise" ? flappingAlarmOf(signals) : undefined;
  if (flapping && !scheduled) {
    out.push({
      action: `tune alarm ${flapping.alarm} so one-minute blips no longer page: require more datapoints to alarm or more evaluation periods — a human action`,
      kind: "config",
      risk: "low",
      rollback: "restore the alarm's previous evaluation periods and datapoints to alarm",
      requiresApproval: false,
      performedBy: "human",
    });
  }
  if (correction) {
    out.push({
      action: `backfill ${correction.table} (${correction.affectsRows} rows) — approved statement run by a human`,
      kind: "data_correction",
      risk: correction.riskLevel,
      rollback: correction.rollback,
      requiresApproval: true,
      performedBy: "human",
    });
  }
  return out;
}

function verificationOf(classification: Classification): VerificationItem[] {
  const base: VerificationItem[] = classification.hypotheses.slice(0, 3).map((h) => ({
    check: h.statement,
    how: h.settlingTest,
    status: "pending",
  }));
  base.push({
    check: "the ticket's symptom stops recurring",
    how: "watch the Sentry issue / metric that raised it for one full traffic cycle after the fix",
    status: "pending",
  });
  return base;
}

/**
 * CLASSIFY: deterministic rules over the specialists' typed signals, then the gate.
 * The classifier sees only evidence (invariant 2: `toClassifierInput` has no memory).
 */
export function decideTriage(input: {
  runId: string;
  linear: LinearSnapshot;
  toolMap: ToolMap;
  specialists: readonly SpecialistOutput[];
  threshold: number;
  service?: string;
  now: Date;
  /** The ticket phase's service resolution: its disagreements are identity conflicts. */
  resolution?: ServiceResolution;
}): TriageDecision {
  const classified = classify(
    toClassifierInput({
      linear: input.linear,
      toolMap: input.toolMap,
      specialists: input.specialists,
    }),
    { now: input.now },
  );
  // Service identity is checked on the resolution, not on signals: it joins the
  // classifier's conflicts so the gate stops on it like on any material conflict.
  const identity = identityConflicts(input.resolution);
  const classification =
    identity.length > 0
      ? { ...classified, conflicts: [...classified.conflicts, ...identity] }
      : classified;
  const gate = decideGate(classification, { now: input.now, threshold: input.threshold });
  const signals = indexSignals(input.specialists);
  const correction = gate.needsDataCorrection ? proposeCorrection(signals, input.runId) : undefined;
  return {
    classification,
    gate,
    ...(correction ? { correction } : {}),
    impact: impactOf(classification, signals, input.service),
    mitigations: mitigationsOf(classification, signals, correction),
    verification: verificationOf(classification),
  };
}

export function assembleBundle(input: {
  runId: string;
  now: Date;
  linear: LinearSnapshot;
  toolMap: ToolMap;
  memory: OperationalMemory;
  specialists: SpecialistOutput[];
  decision: TriageDecision;
  pending: EvidenceBundle["approvals"]["pending"];
  /** The ticket phase's service resolution, when it recorded one. */
  resolution?: ServiceResolution;
}): EvidenceBundle {
  return {
    schemaVersion: EVIDENCE_BUNDLE_SCHEMA_VERSION,
    runId: input.runId,
    createdAt: input.now.toISOString(),
    linear: input.linear,
    toolMap: input.toolMap,
    memory: input.memory,
    specialists: input.specialists,
    classification: input.decision.classification,
    impact: input.decision.impact,
    mitigations: input.decision.mitigations,
    verification: input.decision.verification,
    approvals: { pending: input.pending, decided: [] },
    investigation: investigationOf({
      specialists: input.specialists,
      classification: input.decision.classification,
      ...(input.resolution ? { resolution: input.resolution } : {}),
    }),
  };
}
