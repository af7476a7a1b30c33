import type { Classification } from "../domain/classifier-schema.ts";
import type { EvidenceBundle } from "../domain/evidence-bundle.ts";
import type { LinearSnapshot, OperationalMemory, ToolMap } from "../domain/evidence-context.ts";
import type { SpecialistOutput } from "../domain/specialist-output.ts";
import type { PhaseContext, RunRow } from "./types.ts";

/** The milestones that get one thread reply each (DESIGN.md, Slack surface). */
export type MilestoneKind =
  | "tool_inventory"
  | "specialist_results"
  | "evidence_bundle"
  | "decision"
  | "handoff"
  /** POST_MERGE_MONITOR's verdict: one reply per verdict (a parent edit notifies no one). */
  | "monitor_verdict";

/** Everything known about a triage so far; later fields are absent early in the run. */
export interface TriageSnapshot {
  run: RunRow;
  ticket?: LinearSnapshot;
  toolMap?: ToolMap;
  memory?: OperationalMemory;
  specialists?: SpecialistOutput[];
  classification?: Classification;
  /** The gate's decision: "proceed_to_delivery" or the exit outcome, with reasons. */
  decision?: { decision: string; outcome?: string; reasons: string[] };
  bundle?: EvidenceBundle;
  /** sha256 of the stored bundle artifact, for "full artifact" links. */
  bundleSha?: string;
  handoff?: { linearCommentId?: string; url?: string };
  pendingApprovalIds?: string[];
  /** The patch delivery proposes in the thread (unified diff, redacted), when it proposes one. */
  proposedPatch?: string;
}

/**
 * How phases tell the incident channel what happened. Implementations post through
 * `ctx.effect`, so a retry or a crash never duplicates a message; with no Slack
 * configured the no-op notifier is used and the run goes on.
 */
export interface TriageNotifier {
  /** Create or update the one parent message for the ticket. */
  syncParent(ctx: PhaseContext, triage: TriageSnapshot): Promise<void>;
  /** One thread reply per milestone (at most once per run and milestone). */
  postMilestone(ctx: PhaseContext, kind: MilestoneKind, triage: TriageSnapshot): Promise<void>;
}

export const silentNotifier: TriageNotifier = {
  syncParent: async () => {},
  postMilestone: async () => {},
};
