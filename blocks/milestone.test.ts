import { describe, expect, it } from "vitest";
import { assertSafeRender } from "../test/setup/blocks/assertions.ts";
import { allText, EXAMPLE_NOW, loadExample } from "../test/setup/blocks/examples.ts";
import { renderMilestone } from "./milestone.ts";
import type {
  DecisionMilestone,
  HandoffMilestone,
  MilestoneView,
  SpecialistResultsMilestone,
  ToolInventoryMilestone,
} from "./view-models.ts";

function render(view: MilestoneView) {
  const rendered = renderMilestone(view, EXAMPLE_NOW);
  assertSafeRender(rendered, "message", view);
  return rendered;
}

describe("renderMilestone", () => {
  it("tool inventory: blocked and missing tools come first, with their confidence impact", () => {
    const view = loadExample<ToolInventoryMilestone>("milestone");
    const text = allText(render(view));
    const blocked = text.indexOf("*support* blocked");
    const missing = text.indexOf("*vendor-status* missing");
    const available = text.indexOf("*linear* available");
    expect(blocked).toBeGreaterThan(-1);
    expect(blocked).toBeLessThan(missing);
    expect(missing).toBeLessThan(available);
    expect(text).toContain("no status source configured for KYC vendor · -5 pts confidence");
    expect(text).toContain("1 blocked · 1 missing · 5 available");
    expect(text).toContain("*Route:* `sentry` → `release` → `aws` → `db` → `vendor`");
  });

  it("tool inventory: a tool the verdict cannot do without is marked as blocking", () => {
    const view: ToolInventoryMilestone = {
      ...loadExample<ToolInventoryMilestone>("milestone"),
      tools: [{ name: "sentry", status: "missing", blocking: true, confidenceImpact: -30 }],
    };
    expect(allText(render(view))).toContain("-30 pts confidence, *blocks the verdict*");
  });

  it("specialist results: each status has its emoji and the skip or failure reason", () => {
    const view = loadExample<SpecialistResultsMilestone>("milestone--specialist-results");
    view.specialists.push({
      id: "support",
      status: "failed",
      reason: "HTTP 503 from the support API",
    });
    const text = allText(render(view));
    expect(text).toContain(":white_check_mark: *sentry* returned (4 findings, 85%)");
    expect(text).toContain(
      ":hourglass: *db* timed out — replica query exceeded 20s statement timeout",
    );
    expect(text).toContain(":fast_forward: *vendor* skipped — no vendor status source configured");
    expect(text).toContain(":x: *support* failed — HTTP 503 from the support API");
  });

  it("decision: an exit says what prode does next in words, with its outcome beside", () => {
    const view: DecisionMilestone = {
      ...loadExample<DecisionMilestone>("milestone--decision"),
      decision: "exit",
      outcome: "VENDOR_OR_INFRA",
      gatePassed: false,
    };
    const rendered = render(view);
    expect(allText(rendered)).toContain(
      ":cloud: *Next: prode stops here — not a code problem; handed to its owner* · `VENDOR_OR_INFRA`",
    );
    expect(allText(rendered)).toContain("Evidence gate not passed · *Code defect* · 82% · SEV2");
    expect(rendered.text).toBe(
      "ENG-4812 · next: prode stops here — not a code problem; handed to its owner",
    );
  });

  it("decision: a run that passed the gate and still stops never reads as a failed gate", () => {
    const view: DecisionMilestone = {
      ...loadExample<DecisionMilestone>("milestone--decision"),
      decision: "exit",
      outcome: "CANNOT_AUTO_FIX",
      gatePassed: true,
      reason: "automated delivery is not enabled, so the proposed fix is handed to a human",
    };
    const text = allText(render(view));
    expect(text).toContain("*Next: prode stops here — the fix is handed to a human*");
    expect(text).toContain("Evidence gate passed · ");
    expect(text).not.toContain("Decision: stop");
    expect(text).not.toContain("not passed");
  });

  it("handoff: a long list of next steps is cut with a count and a link to the artifact", () => {
    const view: HandoffMilestone = {
      ...loadExample<HandoffMilestone>("milestone--handoff"),
      nextSteps: Array.from({ length: 40 }, (_, i) => `step ${i}`),
      artifactUrl: "https://prode.acme.internal/runs/r/handoff",
    };
    const text = allText(render(view));
    expect(text).toContain("25. step 24");
    expect(text).not.toContain("26. step 25");
    expect(text).toContain(
      "…and 15 more — see <https://prode.acme.internal/runs/r/handoff|full artifact>",
    );
  });
});
