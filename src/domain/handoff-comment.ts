import type { Classification } from "./classifier-schema.ts";
import type { DeliverySummary } from "./delivery-lines.ts";
import type { EvidenceBundle } from "./evidence-bundle.ts";
import type { LinearSnapshot, ToolMap } from "./evidence-context.ts";
import { escapeMarkdown, fencedCode, inlineCode } from "./markdown.ts";
import type { SpecialistOutput } from "./specialist-output.ts";

/** The marker that makes prode's comment findable on the ticket (effect reconcile). */
export function handoffMarker(ticketKey: string): string {
  return `<!-- prode:handoff ${ticketKey} -->`;
}

interface HandoffInput {
  runId: string;
  outcome: string;
  reasons: string[];
  ticket: LinearSnapshot;
  toolMap?: ToolMap;
  specialists?: SpecialistOutput[];
  classification?: Classification;
  bundle?: EvidenceBundle;
  bundleSha?: string;
  approvals?: { id: string; action: string; digest: string; expiresAt: string; detail: string }[];
  /** What delivery did (the draft PR, the patch, or a dry run's "would have" lines). */
  delivery?: DeliverySummary;
  now: Date;
  /**
   * Applied to every string that did not come from prode's own code before it is escaped
   * (the redactor: escaping inserts characters into what the redactor matches).
   */
  clean?: (text: string) => string;
}

const OUTCOME_LINE: Record<string, string> = {
  BLOCKED_NEEDS_INFO:
    "Stopped: the evidence is not enough to act on. What is missing is listed below.",
  APPROVAL_REQUIRED: "Stopped: an action needs a human approval that was not given.",
  NO_CODE_CHANGE: "No code change is needed.",
  NOISE_NO_FIX: "This is noise: no fix, and nothing was suppressed.",
  VENDOR_OR_INFRA:
    "Vendor or infrastructure, not a code regression: escalating to the owners. No code, no AWS change.",
  CANNOT_AUTO_FIX: "prode will not fix this automatically; a human owns the next step.",
  ESCALATED_INCIDENT: "Escalated as an incident: the impact is too wide for automation.",
  SUPERSEDED: "Superseded: the ticket was closed or replaced.",
  FAILED: "The run failed; see the reasons.",
  RUN_COMPLETE: "Run complete.",
};

function list(items: string[], empty: string): string {
  return items.length ? items.map((i) => `- ${i}`).join("\n") : `- ${empty}`;
}

/**
 * The run-owned Linear comment, in the incident-response shape (SKILL.md's handoff
 * template). Plain data in, markdown out; the caller redacts it before it leaves.
 */
export function renderHandoff(h: HandoffInput): string {
  const clean = h.clean ?? ((text: string) => text);
  /** Outside text as literal Markdown (redacted first). */
  const md = (text: string) => escapeMarkdown(clean(text));
  const c = h.classification;
  const gaps = [
    ...(h.toolMap?.tools ?? [])
      .filter((t) => t.status !== "available")
      .map(
        (t) =>
          `${md(t.connector)} ${md(t.status)}: ${md(t.reason ?? "")} (−${t.confidenceImpact} confidence when needed)`,
      ),
    ...(c?.gaps ?? []).map((g) => `${md(g.what)}${g.blocking ? " (blocking)" : ""}`),
  ];
  const specialists = (h.specialists ?? []).map((s) => {
    const detail =
      s.status === "skipped"
        ? `: ${md(s.reason)}`
        : s.status === "failed"
          ? `: ${md(s.error.code)}`
          : "";
    return `${md(s.specialistId)}: ${s.status}${detail}, ${s.findings.length} findings`;
  });
  const summaries = (items: { summary: string }[]) => items.map((e) => md(e.summary)).join("; ");
  const hypotheses = (c?.hypotheses ?? []).map(
    (hyp, i) =>
      `${i + 1}. **${md(hyp.class)}**: ${md(hyp.statement)}\n   - for: ${summaries(hyp.evidenceFor) || "—"}\n   - against: ${summaries(hyp.evidenceAgainst) || "—"}\n   - settling test: ${md(hyp.settlingTest)}`,
  );
  const rejected = (c?.rejected ?? []).map(
    (r) => `~~${md(r.statement)}~~ — rejected by ${summaries(r.rejectedBy)}`,
  );
  const mitigations = (h.bundle?.mitigations ?? []).map(
    (m) =>
      `${md(m.action)} — risk ${md(m.risk)}; rollback: ${md(m.rollback)}; ${m.performedBy === "human" ? "a human does this" : "prode prepares it"}${m.requiresApproval ? " (approval required)" : ""}`,
  );
  const fix =
    h.outcome === "RUN_COMPLETE" ||
    (c?.remedy.codeChange && !["NOISE_NO_FIX", "VENDOR_OR_INFRA"].includes(h.outcome))
      ? c?.remedy.codeChange
        ? `A code change on the failing path: ${md(c.rootCauseHypothesis)}${h.delivery?.prUrl ? ` — draft PR #${h.delivery.prNumber}: ${h.delivery.prUrl}` : h.outcome === "CANNOT_AUTO_FIX" ? " — to be made by a human (why: see Situation)." : ""}`
        : "None."
      : `None: ${h.reasons[0] !== undefined ? md(h.reasons[0]) : (OUTCOME_LINE[h.outcome] ?? md(h.outcome))}`;
  const approvals = (h.approvals ?? []).map(
    (a) =>
      `${inlineCode(clean(a.action))} pending until ${md(a.expiresAt)} (digest ${inlineCode(clean(a.digest.slice(0, 12)))}, id ${md(a.id)}). prode never performs it.\n\n${fencedCode(clean(a.detail), "sql")}`,
  );
  const verification = (h.bundle?.verification ?? []).map(
    (v) => `[ ] ${md(v.check)} — ${md(v.how)}`,
  );
  const key = md(h.ticket.ticketKey);
  const outcome = OUTCOME_LINE[h.outcome] ? h.outcome : md(h.outcome);
  return [
    handoffMarker(h.ticket.ticketKey),
    `### prode triage — ${key}: ${outcome}`,
    `${OUTCOME_LINE[h.outcome] ?? outcome}${c ? ` Classification **${md(c.class)}**, ${md(c.severity)}, confidence **${c.confidence}%**.` : ""}`,
    "#### Situation",
    `${md(h.ticket.title)} (status ${md(h.ticket.status)}).\n${list(
      h.reasons.map((r) => md(r)),
      "no further reasons",
    )}`,
    "#### Impact and blast radius",
    h.bundle
      ? `${md(h.bundle.impact.summary)}\n- scope: ${md(h.bundle.impact.scope)}; customer visible: ${h.bundle.impact.customerVisible ? "yes" : "no"}\n- blast radius: ${md(h.bundle.impact.blastRadius)}`
      : "- not assessed: the run stopped before the evidence bundle",
    "#### Ranked hypotheses",
    hypotheses.length ? hypotheses.join("\n") : "- none yet",
    ...(rejected.length ? ["Rejected:", list(rejected, "")] : []),
    "#### Immediate mitigations",
    list(mitigations, "none proposed"),
    ...(approvals.length ? ["#### Waiting for approval", approvals.join("\n\n")] : []),
    "#### Diagnostic plan",
    list([...specialists, ...gaps.map((g) => `gap — ${g}`)], "no specialists ran"),
    "#### Proposed fix",
    fix,
    ...(h.delivery?.lines.length
      ? [
          "#### Delivery",
          list(
            h.delivery.lines.map((l) => md(l)),
            "",
          ),
        ]
      : []),
    "#### Rollback plan",
    c?.remedy.codeChange
      ? "- revert the PR; if already deployed, redeploy the previous release"
      : "- nothing to roll back: prode changed nothing",
    "#### Verification checklist",
    list(verification, "[ ] confirm the symptom is gone"),
    "#### Hardening and follow-ups",
    list(
      c?.remedy.dataCorrection
        ? ["add a consistency check for the derived rows"]
        : c?.class === "infra"
          ? ["alarm on capacity before the queue saturates"]
          : c?.class === "noise"
            ? ["consider client-side handling of aborted requests; no suppression was made"]
            : [],
      "none",
    ),
    `_run ${h.runId}${h.bundleSha ? ` · evidence bundle sha256 ${h.bundleSha.slice(0, 12)}` : ""} · ${h.now.toISOString()}_`,
  ].join("\n\n");
}
