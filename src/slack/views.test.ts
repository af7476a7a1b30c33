import { describe, expect, it } from "vitest";
import { renderEvidenceBundle } from "../../blocks/evidence-bundle.ts";
import { renderMilestone } from "../../blocks/milestone.ts";
import { renderParentMessage } from "../../blocks/parent-message.ts";
import { assertWithinSlackLimits } from "../../blocks/validate.ts";
import {
  abortNoise,
  backend500,
  EMPTY_MEMORY,
  input,
  queueAlarm,
  SCENARIO_NOW,
  type Scenario,
  staleCounts,
} from "../../test/setup/classifier-fixtures.ts";
import { classify, decideGate } from "../domain/classifier.ts";
import { decideTriage } from "../domain/triage-decision.ts";
import type { TriageSnapshot } from "../runner/ports.ts";
import type { RunRow } from "../runner/types.ts";
import { riskView } from "./approval-views.ts";
import {
  decisionMilestone,
  evidenceBundleView,
  handoffMilestone,
  specialistResultsMilestone,
  toolInventoryMilestone,
} from "./milestone-views.ts";
import { parentMessageView, runStatusView, sentryIssueUrl, ticketView } from "./views.ts";

function runRow(overrides: Partial<RunRow> = {}): RunRow {
  return {
    id: "run_1",
    ticket: "ENG-101",
    phase: "CLASSIFY",
    outcome: null,
    seq: 7,
    pendingOutcome: null,
    resumePhase: null,
    wakeAt: null,
    attempt: 1,
    leaseOwner: null,
    leaseExpiresAt: null,
    fencing: 3,
    trigger: "webhook",
    context: { service: "onboarding-api", team: "onboarding" },
    needsHuman: null,
    error: null,
    createdAt: new Date("2025-03-04T10:00:00Z"),
    updatedAt: SCENARIO_NOW,
    phaseStartedAt: SCENARIO_NOW,
    endedAt: null,
    ...overrides,
  };
}

function full(s: Scenario, run = runRow()): TriageSnapshot {
  const classification = classify(input(s), { now: SCENARIO_NOW });
  const gate = decideGate(classification, { now: SCENARIO_NOW });
  return {
    run,
    ticket: s.linear,
    toolMap: s.toolMap,
    memory: EMPTY_MEMORY,
    specialists: s.specialists,
    classification,
    decision: {
      decision: gate.decision,
      ...(gate.outcome ? { outcome: gate.outcome } : {}),
      reasons: gate.reasons,
    },
  };
}

const scenarios = { backend500, queueAlarm, staleCounts, abortNoise };

describe("triage → view models", () => {
  it("says where the run stands: running, waiting, stopping on an exit, stopped", () => {
    expect(runStatusView(runRow())).toEqual({ kind: "running" });
    expect(runStatusView(runRow({ phase: "AWAIT_APPROVAL" }))).toEqual({
      kind: "waiting_approval",
    });
    expect(
      runStatusView(runRow({ phase: "LINEAR_HANDOFF", pendingOutcome: "NOISE_NO_FIX" })),
    ).toEqual({
      kind: "stopped",
      outcome: "NOISE_NO_FIX",
    });
    expect(runStatusView(runRow(), "team onboarding")).toEqual({
      kind: "paused",
      scope: "team onboarding",
    });
    expect(runStatusView(runRow({ phase: "FAILED", outcome: "FAILED" }))).toEqual({
      kind: "stopped",
      outcome: "FAILED",
    });
  });

  it("shows the ticket key before Linear was read, its title after", () => {
    const early = parentMessageView({ run: runRow({ phase: "PRECHECK" }) }, SCENARIO_NOW);
    expect(early.ticket).toEqual({ key: "ENG-101", title: "(ticket not fetched yet)" });
    expect(early.classification).toBeUndefined();
    const later = parentMessageView(full(backend500()), SCENARIO_NOW, {
      run: (id) => `https://prode.example/runs/${id}`,
    });
    expect(later.ticket.title).toBe("Onboarding API returns 500 after deploy");
    expect(later.classification?.label).toBe("code_defect");
    expect(later.links.run).toBe("https://prode.example/runs/run_1");
    expect(later.service).toBe("onboarding-api");
  });

  it("maps each gate decision to the decision milestone", () => {
    const noise = full(abortNoise());
    expect(decisionMilestone({ ...noise, decision: noise.decision! }, SCENARIO_NOW)).toMatchObject({
      decision: "exit",
      outcome: "NOISE_NO_FIX",
      nextPhase: "LINEAR_HANDOFF",
    });
    const code = full(backend500());
    expect(decisionMilestone({ ...code, decision: code.decision! }, SCENARIO_NOW)).toMatchObject({
      decision: "proceed",
      nextPhase: "CREATE_WORKTREE",
    });
    const waiting = { ...code, decision: { decision: "await_approval", reasons: ["backfill"] } };
    expect(decisionMilestone(waiting, SCENARIO_NOW)).toMatchObject({
      decision: "await_approval",
      reason: "backfill",
    });
  });

  it("puts cause, owner, first action with its risk and the Sentry link in the parent view", () => {
    const triage = full(backend500());
    const mitigations = [
      {
        action: "prode drafts a PR",
        kind: "code_change" as const,
        risk: "low" as const,
        rollback: "revert",
        requiresApproval: false,
        performedBy: "prode" as const,
      },
      {
        action: "roll back the release",
        kind: "rollback" as const,
        risk: "medium" as const,
        rollback: "redeploy",
        requiresApproval: true,
        performedBy: "human" as const,
      },
    ];
    const bundle = { mitigations } as unknown as NonNullable<TriageSnapshot["bundle"]>;
    const view = parentMessageView({ ...triage, bundle }, SCENARIO_NOW, {
      sentryIssue: (id) => `https://sentry.example/issues/${id}/`,
    });
    expect(view.cause).toBe(triage.classification?.rootCauseHypothesis);
    expect(view.owner).toBe("onboarding");
    // The on-call's first action is a human one, not prode's own step.
    expect(view.firstAction).toEqual({ text: "roll back the release", risk: "medium" });
    const issue = triage.ticket?.linked.sentryIssueIds[0];
    expect(issue).toBeDefined();
    expect(view.links.sentry).toBe(`https://sentry.example/issues/${issue}/`);
  });

  it("links a Sentry issue on the organization prode reads", () => {
    expect(sentryIssueUrl("https://sentry.io/", "acme")("4502117730")).toBe(
      "https://sentry.io/organizations/acme/issues/4502117730/",
    );
  });

  it("says why the run stopped with the deciding reason, not the whole list", () => {
    const triage = full(backend500());
    const decided = {
      ...triage,
      decision: {
        decision: "proceed_to_delivery",
        outcome: "CANNOT_AUTO_FIX",
        reasons: [
          "code_defect at 95 (threshold 80): a release broke the path",
          "gate passed at 95% (threshold 80); automated delivery is not enabled, so the proposed fix is handed to a human",
        ],
      },
    };
    expect(parentMessageView(decided, SCENARIO_NOW).summary).toBe(decided.decision.reasons[1]);
    const milestone = decisionMilestone(decided, SCENARIO_NOW);
    expect(milestone).toMatchObject({
      decision: "exit",
      outcome: "CANNOT_AUTO_FIX",
      gatePassed: true,
    });
    // The threshold is said once; the classification restated by the gate is not repeated.
    expect(milestone.reason.match(/threshold/g)).toHaveLength(1);
    expect(milestone.reason).not.toContain("a release broke the path");
  });

  it("keeps every reason of a failed gate, each clause once", () => {
    const triage = full(abortNoise());
    const failed = {
      ...triage,
      decision: {
        decision: "exit",
        outcome: "BLOCKED_NEEDS_INFO",
        reasons: [
          "confidence 55 is below the policy threshold 80",
          "a material conflict; confidence 55 is below the policy threshold 80",
        ],
      },
    };
    const milestone = decisionMilestone(failed, SCENARIO_NOW);
    expect(milestone.gatePassed).toBe(false);
    expect(milestone.reason).toBe(
      "confidence 55 is below the policy threshold 80; a material conflict",
    );
  });

  it("gives a production write one risk level: the handoff's mitigation and the approval agree", () => {
    const s = staleCounts();
    const decided = decideTriage({
      runId: "run_1",
      linear: s.linear,
      toolMap: s.toolMap,
      specialists: s.specialists,
      threshold: 70,
      now: SCENARIO_NOW,
    });
    const correction = decided.correction;
    expect(correction).toBeDefined();
    const mitigation = decided.mitigations.find((m) => m.kind === "data_correction");
    const approvalRisk = riskView("production_write", correction!.risk);
    expect(mitigation?.risk).toBe(approvalRisk.level);
    expect(approvalRisk.notes).toMatch(/derived rows/);
    // The approval is titled by the action in words, not by the statement's SQL comment.
    expect(correction!.summary).toMatch(/^Backfill \S+ \(\d+ derived rows? /);
  });

  it("keeps every fact with its source and rejected hypotheses in the bundle", () => {
    const bundle = evidenceBundleView(full(abortNoise()), SCENARIO_NOW);
    expect(bundle.facts.length).toBeGreaterThan(0);
    for (const fact of bundle.facts) expect(fact.source.ref).not.toBe("");
    expect(bundle.hypotheses[0]?.status).toBe("leading");
    expect(bundle.hypotheses.some((h) => h.status === "rejected")).toBe(true);
    expect(bundle.specialists.map((s) => s.id)).toEqual(["sentry", "aws", "release"]);
  });

  it.each(Object.entries(scenarios))(
    "%s renders every message within Slack's limits",
    (_name, scenario) => {
      const triage = full(scenario(), runRow({ pendingOutcome: "NOISE_NO_FIX" }));
      const messages = [
        renderParentMessage(parentMessageView(triage, SCENARIO_NOW), SCENARIO_NOW),
        renderMilestone(
          toolInventoryMilestone({ ...triage, toolMap: triage.toolMap! }, SCENARIO_NOW),
          SCENARIO_NOW,
        ),
        renderMilestone(
          specialistResultsMilestone({ ...triage, specialists: triage.specialists! }, SCENARIO_NOW),
          SCENARIO_NOW,
        ),
        renderEvidenceBundle(evidenceBundleView(triage, SCENARIO_NOW), SCENARIO_NOW),
        renderMilestone(
          decisionMilestone({ ...triage, decision: triage.decision! }, SCENARIO_NOW),
          SCENARIO_NOW,
        ),
        renderMilestone(handoffMilestone(triage, SCENARIO_NOW), SCENARIO_NOW),
      ];
      for (const m of messages) assertWithinSlackLimits(m, "message");
    },
  );

  it("lists what a human should do next at handoff", () => {
    const triage = { ...full(staleCounts()), pendingApprovalIds: ["apr_9"] };
    const handoff = handoffMilestone(triage, SCENARIO_NOW);
    expect(handoff.nextSteps).toContain("Decide approval apr_9 (buttons in this thread)");
    expect(handoff.owner).toBe("onboarding");
  });
});

describe("ticketView without a live triage", () => {
  it("shows the title and link FETCH_LINEAR stored in the run's context", () => {
    const snapshot = backend500().linear;
    const run = runRow({ context: { ticket: { snapshot, comments: [], attachments: [] } } });
    expect(ticketView(run)).toEqual({
      key: snapshot.ticketKey,
      title: snapshot.title,
      ...(snapshot.url ? { url: snapshot.url } : {}),
    });
  });

  it("says the ticket is not fetched yet before FETCH_LINEAR", () => {
    expect(ticketView(runRow({ context: {} }))).toEqual({
      key: "ENG-101",
      title: "(ticket not fetched yet)",
    });
  });
});
